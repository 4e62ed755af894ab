"""The ranking of reviewed proposals and the call's report, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalflow.auth.models import Institution
from evalflow.calls.models import Call, Sector
from evalflow.proposals.models import EligibilityDecision, Proposal, ProposalState

RANKED = (ProposalState.REVIEWED, ProposalState.FUNDED, ProposalState.NOT_FUNDED)
AFTER_ELIGIBILITY = (
    ProposalState.ELIGIBLE, ProposalState.UNDER_REVIEW, ProposalState.REVIEWED,
    ProposalState.FUNDED, ProposalState.NOT_FUNDED,
)


@dataclass(frozen=True)
class RankedProposal:
    rank: int
    proposal_id: int
    reference: str
    title: str
    institution: str
    sector: str | None
    state: ProposalState
    score: Decimal
    spread: Decimal
    reviews: int
    requested_amount: Decimal | None
    awarded_amount: Decimal | None
    below_threshold: list[str]


def ranking(
    session: Session, call: Call, *, sector: str | None = None, offset: int = 0,
    limit: int | None = None,
) -> tuple[list[RankedProposal], int]:
    """A page of the call's reviewed proposals, best first, and how many there are.

    Best score first; among equals the closer agreement between reviewers, then the
    reference. The standing was fixed when each review completed, so this is one indexed
    query, paged in the database.
    """
    where = [Proposal.call_id == call.id, Proposal.state.in_(RANKED)]
    if sector:
        where.append(Proposal.sector_id.in_(
            sa.select(Sector.id).where(Sector.call_id == call.id, Sector.code == sector)))
    total = session.scalar(sa.select(sa.func.count(Proposal.id)).where(*where)) or 0
    rows = session.execute(
        sa.select(Proposal.id, Proposal.reference, Proposal.title, Institution.name, Sector.code,
                  Proposal.state, Proposal.score, Proposal.score_spread, Proposal.review_count,
                  Proposal.requested_amount, Proposal.awarded_amount, Proposal.below_threshold)
        .join(Institution, Institution.id == Proposal.institution_id)
        .outerjoin(Sector, Sector.id == Proposal.sector_id)
        .where(*where)
        .order_by(Proposal.score.desc(), Proposal.score_spread, Proposal.reference)
        .offset(offset)
        .limit(limit)
    ).all()
    return [RankedProposal(offset + i, *row[:-1], row[-1] or [])
            for i, row in enumerate(rows, start=1)], total


@dataclass
class SectorLine:
    code: str
    name: str
    received: int = 0
    eligible: int = 0
    funded: int = 0
    awarded_total: Decimal = Decimal("0.00")


@dataclass
class CallReport:
    received: int
    eligible: int
    ineligible: int
    withdrawn: int
    reviewed: int
    funded: int
    not_funded: int
    awarded_total: Decimal
    budget_remaining: Decimal
    by_sector: list[SectorLine]


def call_report(session: Session, call: Call) -> CallReport:
    """The funnel and the sector table of a call, from one grouped query."""
    rows = session.execute(
        sa.select(
            Proposal.sector_id, Proposal.state, EligibilityDecision.eligible,
            Proposal.submitted_at.is_not(None), sa.func.count(Proposal.id),
            sa.func.sum(Proposal.awarded_amount),
        )
        .outerjoin(EligibilityDecision, EligibilityDecision.proposal_id == Proposal.id)
        .where(Proposal.call_id == call.id)
        .group_by(Proposal.sector_id, Proposal.state, EligibilityDecision.eligible,
                  Proposal.submitted_at.is_not(None))
    ).all()
    sectors = {s.id: SectorLine(s.code, s.name) for s in call.sectors}
    counts = dict.fromkeys(("received", "eligible", "ineligible", "withdrawn", "reviewed",
                            "funded", "not_funded"), 0)
    awarded = Decimal("0.00")
    for sector_id, state, eligible, was_submitted, count, amount in rows:
        line = sectors.get(sector_id)
        if was_submitted:
            counts["received"] += count
            if line:
                line.received += count
        if state in AFTER_ELIGIBILITY or (state == ProposalState.WITHDRAWN and eligible):
            counts["eligible"] += count
            if line:
                line.eligible += count
        if state == ProposalState.INELIGIBLE:
            counts["ineligible"] += count
        if state == ProposalState.WITHDRAWN:
            counts["withdrawn"] += count
        if state in RANKED:
            counts["reviewed"] += count
        if state == ProposalState.FUNDED:
            counts["funded"] += count
            awarded += amount or 0
            if line:
                line.funded += count
                line.awarded_total += amount or 0
        if state == ProposalState.NOT_FUNDED:
            counts["not_funded"] += count
    return CallReport(
        **counts, awarded_total=awarded, budget_remaining=call.total_budget - awarded,
        by_sector=list(sectors.values()),
    )
