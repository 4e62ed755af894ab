"""Assignments (officers), conflict declarations and reviews (reviewers)."""

from __future__ import annotations

from flask import jsonify

from evalflow import validation
from evalflow.api import api
from evalflow.api import serializers as out
from evalflow.api.helpers import (
    current_user,
    field_error,
    json_body,
    page_of,
    paging,
    path_id,
    require,
)
from evalflow.auth.models import Role
from evalflow.auth.services import user_by_email
from evalflow.calls.services import get_call
from evalflow.errors import NotFound, ValidationFailed
from evalflow.extensions import db
from evalflow.proposals.access import visible_proposal
from evalflow.reviews.assignments import (
    assign_reviewer,
    auto_assign,
    declare_conflict,
    my_assignments,
    own_assignment,
)
from evalflow.reviews.services import review_scores, save_review, submitted_reviews


@api.post("/proposals/<pid>/assignments")
@require(Role.OFFICER)
def assign_view(pid: str):
    proposal = visible_proposal(db.session, path_id(pid), current_user())
    email = json_body().get("reviewer")
    if not isinstance(email, str):
        raise field_error("reviewer", "Give the reviewer's email.")
    try:
        reviewer = user_by_email(db.session, email)
    except ValidationFailed as error:
        raise field_error("reviewer", f"No user has the email {email}.") from error
    assignment = assign_reviewer(db.session, proposal, reviewer, current_user())
    db.session.commit()
    return jsonify(out.assignment(assignment) | {"reviewer": reviewer.email}), 201


@api.get("/proposals/<pid>/reviews")
@require(Role.OFFICER)
def proposal_reviews_view(pid: str):
    proposal = visible_proposal(db.session, path_id(pid), current_user())
    reviews = submitted_reviews(db.session, proposal)
    return jsonify({"items": [out.review_for_officer(r) for r in reviews], "total": len(reviews),
                    "page": 1, "per_page": max(len(reviews), 1)})


@api.post("/calls/<code>/assignments/auto")
@require(Role.OFFICER)
def auto_assign_view(code: str):
    created = auto_assign(db.session, get_call(db.session, code), current_user())
    db.session.commit()
    return jsonify({"created": created})


@api.get("/assignments")
@require(Role.REVIEWER)
def my_assignments_view():
    page, per_page, offset = paging()
    rows, total = my_assignments(db.session, current_user(), offset=offset, limit=per_page)
    return page_of([out.assignment(a) for a in rows], total, page, per_page)


@api.post("/assignments/<aid>/conflict")
@require(Role.REVIEWER)
def conflict_view(aid: str):
    assignment = own_assignment(db.session, path_id(aid), current_user())
    body = json_body()
    try:
        has_conflict = validation.boolean(body.get("has_conflict"))
    except validation.FieldError as error:
        raise field_error("has_conflict", str(error)) from error
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise field_error("reason", "Give the reason as text.")
    declare_conflict(db.session, assignment, current_user(), has_conflict=has_conflict,
                     reason=reason)
    db.session.commit()
    return jsonify({"id": assignment.id, "state": assignment.state.value,
                    "conflict": assignment.has_conflict})


@api.get("/assignments/<aid>/review")
@require(Role.REVIEWER)
def get_review_view(aid: str):
    assignment = own_assignment(db.session, path_id(aid), current_user())
    if assignment.has_conflict:
        raise NotFound("There is no such assignment.")
    review = assignment.review
    if review is None:
        return jsonify({"assignment_id": assignment.id, "state": None, "scores": {}})
    return jsonify(out.review(review, review_scores(review)))


@api.put("/assignments/<aid>/review")
@require(Role.REVIEWER)
def save_review_view(aid: str):
    assignment = own_assignment(db.session, path_id(aid), current_user())
    review = save_review(db.session, assignment, current_user(), json_body())
    db.session.commit()
    return jsonify(out.review(review, review_scores(review))
                   | {"proposal_state": assignment.proposal.state.value})
