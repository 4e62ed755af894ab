"""The evaluation committee's pages: my assignments, the conflict declaration, the scoring form
and the proposal's documents.

Thin views over `evalflow.reviews.assignments` and `evalflow.reviews.services`: load the
caller's own assignment (else 404), call one service, commit, respond. Domain errors become
messages on the page, never JSON.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound as HTTPNotFound

from evalflow.auth.access import reviewer_required
from evalflow.auth.models import User
from evalflow.errors import DomainError, NotFound, ValidationFailed
from evalflow.extensions import db
from evalflow.paging import requested_page
from evalflow.proposals.rules import budget_total
from evalflow.reviews.assignments import declare_conflict, my_assignments, own_assignment
from evalflow.reviews.forms import (
    DeclarationForm,
    ReviewForm,
    review_form,
    score_text,
    translate,
)
from evalflow.reviews.models import AssignmentState, ReviewAssignment, ReviewState
from evalflow.reviews.scoring import weighted_total
from evalflow.reviews.services import peer_reviews, review_scores, save_review
from evalflow.storage import path_of

reviewing = Blueprint("reviewing", __name__, url_prefix="/reviews")

PER_PAGE = 100




@reviewing.context_processor
def _helpers() -> dict[str, Any]:
    return {"plain": score_text}


def _me() -> User:
    return current_user._get_current_object()


@reviewing.errorhandler(NotFound)
def _not_found(error: NotFound):
    db.session.rollback()
    return HTTPNotFound()


@reviewing.errorhandler(DomainError)
def _refused(error: DomainError):
    # The app-wide handler answers JSON for the API; these pages answer HTML.
    db.session.rollback()
    return render_template("reviewing/refused.html", message=translate(error.message)), \
        error.status


def _load(assignment_id: int) -> ReviewAssignment:
    """My assignment, unless I declared a conflict: then it no longer exists for me."""
    assignment = own_assignment(db.session, assignment_id, _me())
    if assignment.state == AssignmentState.CONFLICTED:
        abort(404)
    return assignment


def progress(assignment: ReviewAssignment) -> str:
    """Where the reviewer stands: to_declare, conflict, not_started, draft or submitted."""
    if assignment.state == AssignmentState.PENDING:
        return "to_declare"
    if assignment.state == AssignmentState.CONFLICTED:
        return "conflict"
    if assignment.review is None:
        return "not_started"
    return "submitted" if assignment.review.state == ReviewState.SUBMITTED else "draft"


@reviewing.get("/")
@reviewer_required
def assignments():
    """My assignments with their due dates and progress."""
    page = requested_page(PER_PAGE)
    rows, total = my_assignments(db.session, _me(), offset=page.offset, limit=page.size)
    items = [(a, progress(a)) for a in rows]
    counts: dict[str, int] = {}
    for _a, step in items:
        counts[step] = counts.get(step, 0) + 1
    return render_template("reviewing/assignments.html", items=items, counts=counts,
                           total=total, page=page.of(total))


def _total(scores: dict[str, Decimal], assignment: ReviewAssignment) -> Decimal | None:
    if not scores:
        return None
    weights = {c.code: c.weight for c in assignment.proposal.call.criteria}
    return weighted_total(scores, weights)


def _peers(assignment: ReviewAssignment) -> list[dict[str, Any]]:
    """The other reviewers' reviews (hidden until mine is submitted), numbered, no names."""
    return [{"number": n, "scores": review_scores(r), "total": r.total,
             "comment_to_applicant": r.comment_to_applicant,
             "comment_to_committee": r.comment_to_committee}
            for n, r in enumerate(peer_reviews(db.session, assignment), start=1)]


def _page(
    assignment: ReviewAssignment, *, declaration: DeclarationForm | None = None,
    form: ReviewForm | None = None, status: int = 200,
):
    """The assignment page: the declaration until it is made, then the proposal and my review
    (a form while a draft, read-only once submitted)."""
    review = assignment.review
    criteria = assignment.proposal.call.criteria
    if assignment.state == AssignmentState.PENDING:
        return render_template(
            "reviewing/declare.html", assignment=assignment,
            declaration=declaration or DeclarationForm(formdata=None),
        ), status
    scores = review_scores(review) if review is not None else {}
    submitted = review is not None and review.state == ReviewState.SUBMITTED
    if form is None and not submitted:
        form = review_form(
            criteria, scores=scores,
            comment_to_applicant=review.comment_to_applicant if review else "",
            comment_to_committee=review.comment_to_committee if review else "",
        )
    total = review.total if submitted else _total(scores, assignment)
    return render_template(
        "reviewing/assignment.html", assignment=assignment, proposal=assignment.proposal,
        call=assignment.proposal.call, criteria=criteria, review=review, scores=scores,
        submitted=submitted, total=total, form=form, peers=_peers(assignment),
        budget_total=budget_total(assignment.proposal.budget_lines),
    ), status


@reviewing.get("/<int:assignment_id>")
@reviewer_required
def assignment(assignment_id: int):
    """The declaration form, or the proposal with my review."""
    return _page(_load(assignment_id))


@reviewing.post("/<int:assignment_id>/declaration")
@reviewer_required
def declare(assignment_id: int):
    """Declare no conflict (the proposal opens) or a conflict (it leaves my view)."""
    assignment = _load(assignment_id)
    form = DeclarationForm()
    if not form.validate_on_submit():
        return _page(assignment, declaration=form, status=422)
    try:
        declare_conflict(
            db.session, assignment, _me(), has_conflict=form.conflict,
            reason=form.reason.data if form.conflict else None,
        )
    except ValidationFailed as error:
        db.session.rollback()
        messages = error.fields or {"reason": error.message}
        form.reason.errors = [translate(m) for m in messages.values()]
        return _page(assignment, declaration=form, status=422)
    db.session.commit()
    if form.conflict:
        flash(_("You declared a conflict of interest. The proposal is no longer in your "
                "view."), "info")
        return redirect(url_for("reviewing.assignments"))
    flash(_("You declared no conflict of interest. You can now read and score the proposal."),
          "info")
    return redirect(url_for("reviewing.assignment", assignment_id=assignment.id))


@reviewing.post("/<int:assignment_id>/review")
@reviewer_required
def save(assignment_id: int):
    """Save a draft, show the confirmation before submitting, or submit (final)."""
    assignment = _load(assignment_id)
    if assignment.state == AssignmentState.PENDING:
        flash(_("Declare whether you have a conflict of interest first."), "error")
        return redirect(url_for("reviewing.assignment", assignment_id=assignment.id))
    criteria = assignment.proposal.call.criteria
    form = review_form(criteria)
    if not form.validate_on_submit():
        return _page(assignment, form=form, status=422)
    action = form.chosen_action()
    try:
        review = save_review(db.session, assignment, _me(), form.service_data())
    except ValidationFailed as error:
        db.session.rollback()
        for message in form.apply_errors(error.fields) or [translate(error.message)]:
            flash(message, "error")
        return _page(assignment, form=form, status=422)
    except DomainError as error:
        db.session.rollback()
        flash(translate(error.message), "error")
        return redirect(url_for("reviewing.assignment", assignment_id=assignment.id))
    db.session.commit()
    if action == "confirm":
        scores = review_scores(review)
        return render_template(
            "reviewing/confirm.html", assignment=assignment, proposal=assignment.proposal,
            criteria=criteria, scores=scores, total=_total(scores, assignment), form=form,
        )
    if action == "submit":
        flash(_("Your review is submitted. Thank you."), "info")
    else:
        flash(_("Your draft is saved."), "info")
    return redirect(url_for("reviewing.assignment", assignment_id=assignment.id))


@reviewing.get("/<int:assignment_id>/documents/<int:document_id>")
@reviewer_required
def document(assignment_id: int, document_id: int):
    """A document of the proposal, opened in the browser."""
    assignment = _load(assignment_id)
    if assignment.state == AssignmentState.PENDING:
        flash(_("Declare whether you have a conflict of interest first."), "error")
        return redirect(url_for("reviewing.assignment", assignment_id=assignment.id))
    found = next((d for d in assignment.proposal.documents if d.id == document_id), None)
    if found is None:
        abort(404)
    try:
        path = path_of(found.stored_name)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="application/pdf", as_attachment=False,
                         download_name=found.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response
