"""Who may see which proposal. Anything not visible is reported as not found."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from evalflow.auth.models import Role, User
from evalflow.errors import NotFound
from evalflow.proposals.models import Proposal
from evalflow.reviews.models import AssignmentState, ReviewAssignment


def visibility_clause(user: User) -> sa.ColumnElement[bool]:
    """A WHERE clause limiting proposals to those `user` may see."""
    if user.is_officer:
        return sa.true()
    if user.role == Role.APPLICANT:
        return Proposal.institution_id == user.institution_id
    if user.role == Role.REVIEWER:
        return Proposal.id.in_(
            sa.select(ReviewAssignment.proposal_id).where(
                ReviewAssignment.reviewer_id == user.id,
                ReviewAssignment.state != AssignmentState.CONFLICTED,
            )
        )
    return sa.false()


def visible_proposal(session: Session, proposal_id: int, user: User) -> Proposal:
    """The proposal if `user` may see it, with what its page needs loaded; else NotFound."""
    proposal = session.scalars(
        sa.select(Proposal)
        .where(Proposal.id == proposal_id, visibility_clause(user))
        .options(
            selectinload(Proposal.budget_lines),
            selectinload(Proposal.documents),
            sa.orm.joinedload(Proposal.call),
            sa.orm.joinedload(Proposal.institution),
            sa.orm.joinedload(Proposal.sector),
        )
    ).first()
    if proposal is None:
        raise NotFound("There is no such proposal.")
    return proposal
