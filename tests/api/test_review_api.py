"""Screening, assignment, conflicts, reviews and ranking through the JSON API."""

from __future__ import annotations

import pytest

from evalflow.reviews.models import ReviewAssignment


@pytest.fixture
def officer(make):
    user = make.officer()
    return user, make.token(user)


def _reviewer(make):
    user = make.user("reviewer")
    return user, make.token(user)


def test_officer_screens_with_a_reason_for_rejection(make, api, officer):
    _, token = officer
    proposal = make.proposal(state="submitted")
    no_reason = api.post(f"/proposals/{proposal.id}/transitions",
                         {"event": "reject_eligibility"}, token)
    assert no_reason.status_code == 422 and "reason" in no_reason.json["error"]["fields"]
    rejected = api.post(f"/proposals/{proposal.id}/transitions",
                        {"event": "reject_eligibility", "reason": "Falta acta constitutiva"}, token)
    assert rejected.json["state"] == "ineligible"
    detail = api.get(f"/proposals/{proposal.id}", token).json
    assert detail["history"][-1]["reason"] == "Falta acta constitutiva"
    assert detail["history"][-1]["actor"].endswith("@example.mx")


def test_manual_assignment_starts_review_and_refuses_duplicates(make, api, officer):
    _, token = officer
    reviewer, _ = _reviewer(make)
    proposal = make.proposal(state="eligible")
    created = api.post(f"/proposals/{proposal.id}/assignments", {"reviewer": reviewer.email}, token)
    assert created.status_code == 201 and created.json["id"]
    assert api.get(f"/proposals/{proposal.id}", token).json["state"] == "under_review"
    again = api.post(f"/proposals/{proposal.id}/assignments", {"reviewer": reviewer.email}, token)
    assert again.status_code == 409
    applicant = make.user("applicant")
    not_reviewer = api.post(f"/proposals/{proposal.id}/assignments",
                            {"reviewer": applicant.email}, token)
    assert not_reviewer.status_code == 422 and "reviewer" in not_reviewer.json["error"]["fields"]
    unknown = api.post(f"/proposals/{proposal.id}/assignments", {"reviewer": "x@y.mx"}, token)
    assert unknown.status_code == 422


def test_auto_assignment_balances_load_and_skips_conflicts(make, api, officer):
    _, token = officer
    call = make.call(reviewers_per_proposal=2)
    proposals = [make.proposal(call=call, state="eligible") for _ in range(5)]
    reviewers = [make.user("reviewer") for _ in range(4)]
    response = api.post(f"/calls/{call.code}/assignments/auto", None, token)
    assert response.json == {"created": 10}
    loads = [len(ReviewAssignment.query.filter_by(reviewer_id=r.id).all()) for r in reviewers]
    assert sorted(loads) == [2, 2, 3, 3]
    assert api.post(f"/calls/{call.code}/assignments/auto", None, token).json == {"created": 0}
    # A conflict declared later is topped up by someone free of it.
    first = ReviewAssignment.query.filter_by(proposal_id=proposals[0].id).first()
    reviewer_token = make.token(first.reviewer)
    declared = api.post(f"/assignments/{first.id}/conflict",
                        {"has_conflict": True, "reason": "Fui asesor del proyecto"}, reviewer_token)
    assert declared.status_code == 200 and declared.json["conflict"] is True
    active = ReviewAssignment.query.filter(
        ReviewAssignment.proposal_id == proposals[0].id,
        ReviewAssignment.state != "conflicted").all()
    assert len(active) == 2 and first.reviewer_id not in {a.reviewer_id for a in active}
    # Auto-assignment never brings the conflicted reviewer back.
    api.post(f"/calls/{call.code}/assignments/auto", None, token)
    assert ReviewAssignment.query.filter_by(proposal_id=proposals[0].id,
                                            reviewer_id=first.reviewer_id).count() == 1


def test_a_conflict_needs_a_reason_and_hides_the_proposal(make, api):
    reviewer, token = _reviewer(make)
    proposal = make.proposal(state="under_review", reviewers=[reviewer, make.user("reviewer")])
    assignment = api.get("/assignments", token).json["items"][0]
    assert assignment["conflict"] is None and assignment["proposal_id"] == proposal.id
    assert api.get(f"/proposals/{proposal.id}", token).status_code == 200
    no_reason = api.post(f"/assignments/{assignment['id']}/conflict", {"has_conflict": True}, token)
    assert no_reason.status_code == 422
    api.post(f"/assignments/{assignment['id']}/conflict",
             {"has_conflict": True, "reason": "Colaboración reciente"}, token)
    assert api.get(f"/proposals/{proposal.id}", token).status_code == 404
    assert api.put(f"/assignments/{assignment['id']}/review",
                   {"scores": {"C1": 5}, "submit": False}, token).status_code == 404
    assert api.get(f"/assignments/{assignment['id']}/review", token).status_code == 404


def test_a_reviewer_sees_only_assigned_proposals(make, api):
    _, token = _reviewer(make)
    other = make.proposal(state="under_review")
    assert api.get(f"/proposals/{other.id}", token).status_code == 404
    other_assignment = ReviewAssignment.query.filter_by(proposal_id=other.id).first()
    assert api.put(f"/assignments/{other_assignment.id}/review",
                   {"scores": {"C1": 5}}, token).status_code == 404
    assert api.post(f"/assignments/{other_assignment.id}/conflict",
                    {"has_conflict": False}, token).status_code == 404


def test_drafts_then_a_final_submission_completes_review(make, api, officer):
    _, officer_token = officer
    one, one_token = _reviewer(make)
    two, two_token = _reviewer(make)
    proposal = make.proposal(state="under_review", reviewers=[one, two])
    a1 = api.get("/assignments", one_token).json["items"][0]["id"]
    a2 = api.get("/assignments", two_token).json["items"][0]["id"]
    draft = api.put(f"/assignments/{a1}/review",
                    {"scores": {"C1": 9}, "comment_to_applicant": "Bien", "submit": False},
                    one_token)
    assert draft.status_code == 200 and draft.json["state"] == "draft"
    incomplete = api.put(f"/assignments/{a1}/review", {"scores": {"C1": 9}, "submit": True},
                         one_token)
    assert incomplete.status_code == 422 and "scores.C2" in incomplete.json["error"]["fields"]
    out_of_scale = api.put(f"/assignments/{a1}/review", {"scores": {"C1": 11, "C2": 0}},
                           one_token)
    assert set(out_of_scale.json["error"]["fields"]) == {"scores.C1", "scores.C2"}
    unknown = api.put(f"/assignments/{a1}/review", {"scores": {"C9": 3}}, one_token)
    assert "scores.C9" in unknown.json["error"]["fields"]
    done = api.put(f"/assignments/{a1}/review",
                   {"scores": {"C1": 9, "C2": 6}, "comment_to_applicant": "Bien",
                    "comment_to_committee": "Sólido", "submit": True}, one_token)
    assert done.json["state"] == "submitted" and done.json["total"] == 7.8
    assert done.json["proposal_state"] == "under_review"
    final = api.put(f"/assignments/{a1}/review", {"scores": {"C1": 1, "C2": 1}, "submit": True},
                    one_token)
    assert (final.status_code, final.json["error"]["code"]) == (409, "invalid_transition")
    last = api.put(f"/assignments/{a2}/review", {"scores": {"C1": 5, "C2": 5}, "submit": True},
                   two_token)
    assert last.json["proposal_state"] == "reviewed"
    history = api.get(f"/proposals/{proposal.id}", officer_token).json["history"]
    assert history[-1]["event"] == "complete_review"


def test_ranking_orders_by_weighted_mean_with_spread_and_thresholds(make, api, officer):
    _, token = officer
    call = make.call(reviewers_per_proposal=2)
    strong = make.proposal(call=call, state="reviewed",
                           scores=[{"C1": 9, "C2": 9}, {"C1": 7, "C2": 9}])
    weak = make.proposal(call=call, state="reviewed",
                         scores=[{"C1": 3, "C2": 10}, {"C1": 5, "C2": 10}])
    make.proposal(call=call, state="under_review")
    items = api.get(f"/calls/{call.code}/ranking", token).json["items"]
    assert [i["proposal_id"] for i in items] == [strong.id, weak.id]
    top = items[0]
    assert top["rank"] == 1 and top["score"] == 8.4 and top["spread"] == 1.2
    assert top["reviews"] == 2 and top["below_threshold"] is False
    assert top["requested_amount"] == "950000.00"
    assert items[1]["below_threshold"] is True
    assert items[1]["below_threshold_criteria"] == ["C1"]
    assert api.get(f"/calls/{call.code}/ranking?sector=SAL", token).json["items"] == []


def test_applicants_read_comments_meant_for_them_only_after_the_decision(make, api):
    applicant = make.user("applicant")
    token = make.token(applicant)
    reviewing = make.proposal(applicant=applicant, state="reviewed")
    assert api.get(f"/proposals/{reviewing.id}", token).json["reviewer_comments"] == []
    decided = make.proposal(applicant=applicant, state="not_funded")
    body = api.get(f"/proposals/{decided.id}", token).json
    assert body["reviewer_comments"] == ["Bien", "Bien"]
    text = str(body)
    assert "Sólido" not in text  # the committee's comment
    assert "reviewer" not in text.replace("reviewer_comments", "")
    assert {h["event"] for h in body["history"]} <= {"create", "submit", "approve_eligibility",
                                                     "start_review", "complete_review",
                                                     "decline", "add_document", "issue"}
    assert all("actor" not in h for h in body["history"])


def test_officers_see_each_review_side_by_side(make, api, officer):
    _, token = officer
    proposal = make.proposal(state="reviewed", scores=[{"C1": 9, "C2": 6}, {"C1": 4, "C2": 5}])
    reviews = api.get(f"/proposals/{proposal.id}/reviews", token).json["items"]
    assert [r["scores"] for r in reviews] == [{"C1": 9, "C2": 6}, {"C1": 4, "C2": 5}]
    assert all(r["reviewer"].endswith("@example.mx") for r in reviews)
    assert reviews[0]["comment_to_committee"] == "Sólido"
    applicant_token = make.token(make.user("applicant"))
    assert api.get(f"/proposals/{proposal.id}/reviews", applicant_token).status_code == 403


def test_a_reviewer_is_kept_away_from_their_own_institution(make, api, officer):
    _, token = officer
    call = make.call(reviewers_per_proposal=1)
    applicant = make.user("applicant", institution="Universidad Ficticia del Sur")
    proposal = make.proposal(call=call, applicant=applicant, state="eligible")
    colleague = make.user("reviewer", institution="Universidad Ficticia del Sur")
    manual = api.post(f"/proposals/{proposal.id}/assignments", {"reviewer": colleague.email},
                      token)
    assert manual.status_code == 422 and "reviewer" in manual.json["error"]["fields"]
    outsider = make.user("reviewer", institution="Instituto Ficticio del Este")
    assert api.post(f"/calls/{call.code}/assignments/auto", None, token).json == {"created": 1}
    assigned = ReviewAssignment.query.filter_by(proposal_id=proposal.id).one()
    assert assigned.reviewer_id == outsider.id


def test_scores_keep_two_decimals_and_scales_read_plainly(make, api):
    reviewer, token = _reviewer(make)
    make.proposal(state="under_review", reviewers=[reviewer, make.user("reviewer")])
    aid = api.get("/assignments", token).json["items"][0]["id"]
    fine = api.put(f"/assignments/{aid}/review", {"scores": {"C1": 7.55, "C2": "8"}}, token)
    assert fine.status_code == 200 and fine.json["scores"] == {"C1": 7.55, "C2": 8}
    third = api.put(f"/assignments/{aid}/review", {"scores": {"C1": 7.555}}, token)
    assert third.status_code == 422 and "two decimals" in third.json["error"]["fields"]["scores.C1"]
    over = api.put(f"/assignments/{aid}/review", {"scores": {"C1": 11}}, token)
    assert over.json["error"]["fields"]["scores.C1"] == "Give a score from 1 to 10."
