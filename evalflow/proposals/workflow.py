"""The proposal lifecycle of DESIGN.md, defined once, as data.

draft --submit--> submitted --approve_eligibility--> eligible --start_review--> under_review
--complete_review--> reviewed --fund--> funded | --decline--> not_funded;
submitted --reject_eligibility--> ineligible; draft | submitted | eligible --withdraw--> withdrawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from evalflow.calls.models import CallState
from evalflow.database import utcnow
from evalflow.errors import (
    BudgetExceeded,
    CallNotOpen,
    DeadlinePassed,
    Incomplete,
    InvalidTransition,
    OverCap,
    ValidationFailed,
)
from evalflow.proposals import rules
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.workflow import Workflow

S = ProposalState

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "submit", "source": S.DRAFT, "dest": S.SUBMITTED,
     "conditions": ["call_is_open", "before_deadline", "is_complete", "within_cap"]},
    {"trigger": "approve_eligibility", "source": S.SUBMITTED, "dest": S.ELIGIBLE},
    {"trigger": "reject_eligibility", "source": S.SUBMITTED, "dest": S.INELIGIBLE,
     "conditions": ["has_reason"]},
    {"trigger": "start_review", "source": S.ELIGIBLE, "dest": S.UNDER_REVIEW},
    {"trigger": "complete_review", "source": S.UNDER_REVIEW, "dest": S.REVIEWED,
     "conditions": ["has_enough_reviews"]},
    {"trigger": "fund", "source": S.REVIEWED, "dest": S.FUNDED,
     "conditions": ["call_not_decided", "amount_within_request_and_cap", "within_budget"]},
    {"trigger": "decline", "source": S.REVIEWED, "dest": S.NOT_FUNDED,
     "conditions": ["call_not_decided", "has_reason"]},
    {"trigger": "withdraw", "source": [S.DRAFT, S.SUBMITTED, S.ELIGIBLE], "dest": S.WITHDRAWN},
]


def call_is_open(proposal: Proposal, ctx: Mapping[str, Any]) -> None:
    if proposal.call.state != CallState.OPEN:
        call = proposal.call
        raise CallNotOpen(f"The call {call.code} is {call.state.value}, not open.")


def before_deadline(proposal: Proposal, ctx: Mapping[str, Any]) -> None:
    if not rules.is_before_deadline(ctx.get("at") or utcnow(), proposal.call.closes_at):
        raise DeadlinePassed(f"The call {proposal.call.code} closed for submissions.")


def is_complete(proposal: Proposal, ctx: Mapping[str, Any]) -> None:
    missing = rules.missing_for_submission(
        title=proposal.title,
        summary=proposal.summary,
        sector_id=proposal.sector_id,
        requested_amount=proposal.requested_amount,
        budget_lines=proposal.budget_lines,
        documents=len(proposal.documents),
    )
    if missing:
        raise Incomplete("The proposal is not complete yet.", fields=missing)


def within_cap(proposal: Proposal, ctx: Mapping[str, Any]) -> None:
    cap = proposal.call.max_award
    if proposal.requested_amount is not None and proposal.requested_amount > cap:
        raise OverCap(f"The requested amount is above the call's cap of {cap}.")


def has_reason(proposal: Proposal, ctx: Mapping[str, Any]) -> None:
    if not (ctx.get("reason") or "").strip():
        raise ValidationFailed("A reason is required.", fields={"reason": "A reason is required."})


def has_enough_reviews(proposal: Proposal, ctx: Mapping[str, Any]) -> None:
    if ctx.get("submitted_reviews", 0) < proposal.call.reviewers_per_proposal:
        raise InvalidTransition("The proposal does not have all its reviews yet.")


def call_not_decided(proposal: Proposal, ctx: Mapping[str, Any]) -> None:
    if proposal.call.state == CallState.DECIDED:
        raise InvalidTransition("The call is decided; its decisions are final.")


def amount_within_request_and_cap(proposal: Proposal, ctx: Mapping[str, Any]) -> None:
    amount: Decimal = ctx["values"]["awarded_amount"]
    if proposal.requested_amount is None or amount > proposal.requested_amount:
        raise OverCap(f"The amount is above the {proposal.requested_amount} requested.")
    if amount > proposal.call.max_award:
        raise OverCap(f"The amount is above the call's cap of {proposal.call.max_award}.")


def within_budget(proposal: Proposal, ctx: Mapping[str, Any]) -> None:
    # A first, friendly check; the binding one is the atomic UPDATE in fund_proposal.
    amount: Decimal = ctx["values"]["awarded_amount"]
    call = proposal.call
    if call.awarded_total + amount > call.total_budget:
        raise BudgetExceeded(
            f"Funding {amount} would exceed the call's budget: "
            f"{call.total_budget - call.awarded_total} remain."
        )


proposal_workflow = Workflow(
    name="proposal",
    label="proposal",
    states=ProposalState,
    transitions=TRANSITIONS,
    guards={
        "call_is_open": call_is_open,
        "before_deadline": before_deadline,
        "is_complete": is_complete,
        "within_cap": within_cap,
        "has_reason": has_reason,
        "has_enough_reviews": has_enough_reviews,
        "call_not_decided": call_not_decided,
        "amount_within_request_and_cap": amount_within_request_and_cap,
        "within_budget": within_budget,
    },
    scope=lambda proposal: {"call_id": proposal.call_id, "proposal_id": proposal.id},
)
