"""Reviews: drafts and final submissions scored on the call's rubric, the proposal's standing
fixed when its last review arrives, and what each reader may see of them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from evalflow import validation
from evalflow.auth.models import User
from evalflow.database import utcnow
from evalflow.errors import InvalidTransition, NotFound
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.proposals.workflow import proposal_workflow
from evalflow.reviews import scoring
from evalflow.reviews.assignments import lock_proposal
from evalflow.reviews.models import (
    AssignmentState,
    Review,
    ReviewAssignment,
    ReviewScore,
    ReviewState,
)
from evalflow.reviews.workflow import assignment_workflow, review_workflow
from evalflow.validation import Errors


def _parse_scores(errors: Errors, raw: Any, criteria: list) -> dict[str, Decimal]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.add("scores", "Give the scores as {criterion code: score}.")
        return {}
    by_code = {c.code: c for c in criteria}
    scores: dict[str, Decimal] = {}
    for code, value in raw.items():
        criterion = by_code.get(code)
        if criterion is None:
            errors.add(f"scores.{code}", "Not a criterion of this call.")
            continue
        if value is None:
            continue
        score = errors.catch(f"scores.{code}", validation.number, value)
        if score is None:
            continue
        if score != score.quantize(Decimal("0.01")):
            # Scores are kept with two decimals; a third would be silently rounded.
            errors.add(f"scores.{code}", "Give a score with at most two decimals.")
            continue
        if not criterion.min_score <= score <= criterion.max_score:
            errors.add(
                f"scores.{code}",
                f"Give a score from {validation.plain(criterion.min_score)} "
                f"to {validation.plain(criterion.max_score)}.",
            )
            continue
        scores[code] = score
    return scores


def save_review(
    session: Session, assignment: ReviewAssignment, actor: User, data: dict[str, Any], *,
    at: datetime | None = None,
) -> Review:
    """Save the reviewer's scores and comments as a draft, or submit them (final).

    Scoring a proposal attests that the reviewer has no conflict with it, so an undeclared
    assignment is declared free of conflict first. When the submission completes the call's
    number of reviews, the proposal's review is completed in the same transaction.
    """
    at = at or utcnow()
    if assignment.state == AssignmentState.CONFLICTED:
        raise NotFound("There is no such assignment.")
    proposal = assignment.proposal
    criteria = proposal.call.criteria
    errors = Errors()
    scores = _parse_scores(errors, data.get("scores"), criteria)
    to_applicant = errors.catch(
        "comment_to_applicant", validation.text, data.get("comment_to_applicant"),
        max_length=20000, required=False, multiline=True,
    )
    to_committee = errors.catch(
        "comment_to_committee", validation.text, data.get("comment_to_committee"),
        max_length=20000, required=False, multiline=True,
    )
    submit = errors.catch("submit", validation.boolean, data.get("submit", False))
    errors.raise_if_any("The review is not valid.")
    review = assignment.review
    if review is not None and review.state == ReviewState.SUBMITTED:
        raise InvalidTransition("The review is submitted; it is final.")
    lock_proposal(session, proposal)
    if proposal.state != ProposalState.UNDER_REVIEW:
        raise InvalidTransition(f"The proposal is {proposal.state.value}, not under review.")
    if assignment.state == AssignmentState.PENDING:
        assignment_workflow.fire(
            session, assignment, "declare_no_conflict", actor, values={"declared_at": at},
            data={"implied_by": "review"}, at=at,
        )
    if review is None:
        review = Review(assignment=assignment, proposal_id=proposal.id)
        session.add(review)
    review.comment_to_applicant = to_applicant or ""
    review.comment_to_committee = to_committee or ""
    ids = {c.code: c.id for c in criteria}
    kept = {s.criterion_id: s for s in review.scores}
    wanted = {ids[code]: value for code, value in scores.items()}
    review.scores = [
        kept.get(cid) or ReviewScore(criterion_id=cid, value=value) for cid, value in wanted.items()
    ]
    for score in review.scores:
        score.value = wanted[score.criterion_id]
    session.flush()
    if not submit:
        return review
    missing = [c.code for c in criteria if c.code not in scores]
    weights = {c.code: c.weight for c in criteria}
    total = scoring.weighted_total(scores, weights) if not missing else None
    review_workflow.fire(
        session, review, "submit", actor, values={"submitted_at": at, "total": total},
        missing_scores=missing, at=at,
        data={"scores": {code: str(value) for code, value in scores.items()}, "total": total},
    )
    _complete_if_reviewed(session, proposal, actor, at)
    return review


def _complete_if_reviewed(session: Session, proposal: Proposal, actor: User, at: datetime) -> None:
    reviews = list(session.scalars(
        sa.select(Review)
        .join(ReviewAssignment, ReviewAssignment.id == Review.assignment_id)
        .where(
            Review.proposal_id == proposal.id,
            Review.state == ReviewState.SUBMITTED,
            ReviewAssignment.state != AssignmentState.CONFLICTED,
        )
        .options(selectinload(Review.scores))
    ))
    if len(reviews) < proposal.call.reviewers_per_proposal:
        return
    codes = {c.id: c.code for c in proposal.call.criteria}
    by_criterion: dict[str, list[Decimal]] = {}
    for review in reviews:
        for score in review.scores:
            by_criterion.setdefault(codes[score.criterion_id], []).append(score.value)
    result = scoring.standing(
        [r.total for r in reviews], by_criterion,
        {c.code: c.threshold for c in proposal.call.criteria},
    )
    proposal_workflow.fire(
        session, proposal, "complete_review", actor, submitted_reviews=len(reviews),
        values={"score": result.score, "score_spread": result.spread,
                "review_count": result.reviews, "below_threshold": result.below_threshold},
        data={"automatic": True, "reviews": result.reviews, "score": result.score,
              "spread": result.spread, "below_threshold": result.below_threshold},
        at=at,
    )


def submitted_reviews(session: Session, proposal: Proposal) -> list[Review]:
    """The proposal's submitted reviews, oldest first, with reviewer and scores loaded."""
    return list(
        session.scalars(
            sa.select(Review)
            .where(Review.proposal_id == proposal.id, Review.state == ReviewState.SUBMITTED)
            .order_by(Review.submitted_at, Review.id)
            .options(
                joinedload(Review.assignment).joinedload(ReviewAssignment.reviewer),
                selectinload(Review.scores).joinedload(ReviewScore.criterion),
            )
        )
    )


def peer_reviews(session: Session, assignment: ReviewAssignment) -> list[Review]:
    """The other reviewers' submitted reviews of the same proposal — only once this
    reviewer's own review is submitted, so no one scores knowing the others' scores."""
    mine = assignment.review
    if mine is None or mine.state != ReviewState.SUBMITTED:
        return []
    return [r for r in submitted_reviews(session, assignment.proposal) if r.id != mine.id]


def comments_for_applicant(session: Session, proposal: Proposal) -> list[str]:
    """What reviewers wrote for the applicant, once the proposal is decided; no names."""
    if proposal.state not in (ProposalState.FUNDED, ProposalState.NOT_FUNDED):
        return []
    rows = session.scalars(
        sa.select(Review.comment_to_applicant)
        .where(Review.proposal_id == proposal.id, Review.state == ReviewState.SUBMITTED,
               Review.comment_to_applicant != "")
        .order_by(Review.id)
    )
    return list(rows)


def review_scores(review: Review) -> dict[str, Decimal]:
    """The review's scores by criterion code."""
    return {score.criterion.code: score.value for score in review.scores}
