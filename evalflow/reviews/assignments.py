"""Who reviews what: assignment by hand and balanced automatic assignment, conflict
declarations with their replacement, removal, and each reviewer's list."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from evalflow import audit, notifications, validation
from evalflow.auth.models import Role, User
from evalflow.calls.models import Call
from evalflow.database import utcnow
from evalflow.errors import AlreadyExists, InvalidTransition, NotFound, ValidationFailed
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.proposals.workflow import proposal_workflow
from evalflow.reviews import scoring
from evalflow.reviews.models import (
    AssignmentState,
    Review,
    ReviewAssignment,
    ReviewState,
)
from evalflow.reviews.workflow import assignment_workflow

ASSIGNABLE = (ProposalState.ELIGIBLE, ProposalState.UNDER_REVIEW)


def lock_proposal(session: Session, proposal: Proposal) -> None:
    """Take the proposal's row lock and re-read it, so counting its reviews cannot race.

    PostgreSQL: a row lock (SELECT … FOR UPDATE) makes the second of two reviewers finishing
    at once wait, then count the first one's review. SQLite: writers are already serialised.
    """
    session.execute(
        sa.select(Proposal)
        .where(Proposal.id == proposal.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _reviewers(session: Session) -> list[User]:
    return list(
        session.scalars(
            sa.select(User).where(User.role == Role.REVIEWER, User.active.is_(True))
        ).all()
    )


def _create_assignment(
    session: Session, proposal: Proposal, reviewer_id: int, actor: User, at: datetime,
    *, replacing: int | None = None,
) -> ReviewAssignment:
    assignment = ReviewAssignment(
        proposal=proposal, proposal_id=proposal.id, reviewer_id=reviewer_id,
        assigned_by_id=actor.id, assigned_at=at,
        due_at=at + timedelta(days=proposal.call.review_days),
    )
    session.add(assignment)
    session.flush()
    audit.record(
        session, actor=actor, action="assignment.create", entity_type="assignment",
        entity_id=assignment.id, call_id=proposal.call_id, proposal_id=proposal.id,
        to_state=AssignmentState.PENDING.value, at=at,
        data={"reviewer_id": reviewer_id, "replacing_assignment": replacing},
    )
    if proposal.state == ProposalState.ELIGIBLE:
        proposal_workflow.fire(session, proposal, "start_review", actor, at=at)
    return assignment


def assign_reviewer(
    session: Session, proposal: Proposal, reviewer: User, actor: User, *,
    at: datetime | None = None,
) -> ReviewAssignment:
    """Ask one reviewer to review a proposal; the first assignment starts its review."""
    at = at or utcnow()
    if reviewer.role != Role.REVIEWER:
        raise ValidationFailed(
            "Not a reviewer.", fields={"reviewer": f"{reviewer.email} is not a reviewer."}
        )
    if reviewer.institution_id is not None and reviewer.institution_id == proposal.institution_id:
        raise ValidationFailed("Conflict of interest.", fields={
            "reviewer": f"{reviewer.email} belongs to the applicant institution."})
    if proposal.state not in ASSIGNABLE:
        raise InvalidTransition(
            f"Reviewers can be assigned to eligible proposals; this one is {proposal.state.value}."
        )
    lock_proposal(session, proposal)
    exists = session.scalars(
        sa.select(ReviewAssignment.id).where(
            ReviewAssignment.proposal_id == proposal.id,
            ReviewAssignment.reviewer_id == reviewer.id,
        )
    ).first()
    if exists is not None:
        raise AlreadyExists(f"{reviewer.email} is already assigned to this proposal.")
    assignment = _create_assignment(session, proposal, reviewer.id, actor, at)
    notifications.reviewers_assigned([assignment])
    return assignment


def _loads(session: Session, call_id: int, reviewers: list[User]) -> dict[int, int]:
    counts = dict(
        session.execute(
            sa.select(ReviewAssignment.reviewer_id, sa.func.count())
            .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
            .where(
                Proposal.call_id == call_id,
                ReviewAssignment.state != AssignmentState.CONFLICTED,
            )
            .group_by(ReviewAssignment.reviewer_id)
        ).all()
    )
    return {reviewer.id: counts.get(reviewer.id, 0) for reviewer in reviewers}


def _top_up(
    session: Session, call: Call, proposals: list[Proposal], actor: User, at: datetime,
    *, replacing: int | None = None,
) -> list[ReviewAssignment]:
    """Give each proposal the call's number of non-conflicted reviewers, balancing load."""
    reviewers = _reviewers(session)
    if not proposals or not reviewers:
        return []
    ids = [p.id for p in proposals]
    existing = session.execute(
        sa.select(ReviewAssignment.proposal_id, ReviewAssignment.reviewer_id,
                  ReviewAssignment.state)
        .where(ReviewAssignment.proposal_id.in_(ids))
    ).all()
    excluded: dict[int, set[int]] = {pid: set() for pid in ids}
    active: dict[int, int] = dict.fromkeys(ids, 0)
    for proposal_id, reviewer_id, state in existing:
        excluded[proposal_id].add(reviewer_id)
        if state != AssignmentState.CONFLICTED:
            active[proposal_id] += 1
    colleagues: dict[int, set[int]] = {}
    for reviewer in reviewers:
        if reviewer.institution_id is not None:
            colleagues.setdefault(reviewer.institution_id, set()).add(reviewer.id)
    for p in proposals:
        excluded[p.id] |= colleagues.get(p.institution_id, set())
    needs = [
        (p.id, call.reviewers_per_proposal - active[p.id], excluded[p.id])
        for p in proposals
        if active[p.id] < call.reviewers_per_proposal
    ]
    plan = scoring.plan_assignments(needs, _loads(session, call.id, reviewers))
    by_id = {p.id: p for p in proposals}
    created = [_create_assignment(session, by_id[proposal_id], reviewer_id, actor, at,
                                  replacing=replacing)
               for proposal_id, reviewer_id in plan]
    notifications.reviewers_assigned(created)
    return created


def auto_assign(session: Session, call: Call, actor: User, *, at: datetime | None = None) -> int:
    """Assign reviewers to every eligible or under-review proposal of the call; return how many
    assignments were created."""
    at = at or utcnow()
    # One auto-assignment per call at a time: the plan reads loads and then writes.
    session.execute(sa.select(Call.id).where(Call.id == call.id).with_for_update())
    proposals = list(
        session.scalars(
            sa.select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.state.in_(ASSIGNABLE))
            .order_by(Proposal.number)
            .options(joinedload(Proposal.call))
        ).all()
    )
    return len(_top_up(session, call, proposals, actor, at))


def my_assignments(
    session: Session, reviewer: User, *, offset: int, limit: int
) -> tuple[list[ReviewAssignment], int]:
    """A page of the reviewer's assignments, oldest first, with proposal and call loaded."""
    where = ReviewAssignment.reviewer_id == reviewer.id
    total = session.scalar(sa.select(sa.func.count(ReviewAssignment.id)).where(where)) or 0
    rows = session.scalars(
        sa.select(ReviewAssignment)
        .where(where)
        .order_by(ReviewAssignment.id)
        .offset(offset)
        .limit(limit)
        .options(
            joinedload(ReviewAssignment.proposal).joinedload(Proposal.call),
            joinedload(ReviewAssignment.review),
        )
    ).all()
    return list(rows), total


def own_assignment(session: Session, assignment_id: int, reviewer: User) -> ReviewAssignment:
    """The caller's own assignment, else NotFound."""
    assignment = session.scalars(
        sa.select(ReviewAssignment)
        .where(ReviewAssignment.id == assignment_id, ReviewAssignment.reviewer_id == reviewer.id)
        .options(
            joinedload(ReviewAssignment.proposal).joinedload(Proposal.call)
            .selectinload(Call.criteria),
            joinedload(ReviewAssignment.review).selectinload(Review.scores),
        )
    ).first()
    if assignment is None:
        raise NotFound("There is no such assignment.")
    return assignment


def declare_conflict(
    session: Session, assignment: ReviewAssignment, actor: User, *, has_conflict: bool,
    reason: str | None = None, at: datetime | None = None,
) -> ReviewAssignment | None:
    """Record the reviewer's conflict declaration. A conflict takes the proposal out of their
    view and, when another reviewer is free, assigns one in their place (returned)."""
    at = at or utcnow()
    if assignment.state == AssignmentState.CONFLICTED:
        raise NotFound("There is no such assignment.")
    if assignment.review is not None and assignment.review.state == ReviewState.SUBMITTED:
        raise InvalidTransition("The review is submitted; it is final.")
    if reason is not None:
        reason = validation.text(reason, max_length=4000, required=False, multiline=True)
    if not has_conflict:
        if assignment.state == AssignmentState.ACCEPTED:
            return None
        assignment_workflow.fire(
            session, assignment, "declare_no_conflict", actor, values={"declared_at": at}, at=at
        )
        return None
    proposal = assignment.proposal
    lock_proposal(session, proposal)
    assignment_workflow.fire(
        session, assignment, "declare_conflict", actor, reason=reason,
        values={"declared_at": at, "conflict_reason": reason}, at=at,
    )
    if proposal.state != ProposalState.UNDER_REVIEW:
        return None
    # Recorded as the declaring reviewer's act, naming the assignment it replaces.
    replacements = _top_up(session, proposal.call, [proposal], actor, at, replacing=assignment.id)
    return replacements[0] if replacements else None


def remove_assignment(
    session: Session, assignment: ReviewAssignment, actor: User, *, at: datetime | None = None
) -> None:
    """Take a reviewer off a proposal by hand, while no review of theirs is submitted.

    A draft review goes with the assignment. The removal is audited with the reviewer and the
    state the assignment had.
    """
    at = at or utcnow()
    review = assignment.review
    if review is not None and review.state == ReviewState.SUBMITTED:
        raise InvalidTransition("The review is submitted; the assignment can no longer be removed.")
    proposal = assignment.proposal
    lock_proposal(session, proposal)
    audit.record(
        session, actor=actor, action="assignment.remove", entity_type="assignment",
        entity_id=assignment.id, call_id=proposal.call_id, proposal_id=proposal.id,
        from_state=assignment.state.value, at=at,
        data={"reviewer_id": assignment.reviewer_id, "had_draft": review is not None},
    )
    session.delete(assignment)
    session.flush()
