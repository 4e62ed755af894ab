"""The call lifecycle: draft → open → closed → decided."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalflow.calls.models import Call, CallState
from evalflow.errors import Incomplete, InvalidTransition
from evalflow.workflow import Workflow

S = CallState

TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "open", "source": S.DRAFT, "dest": S.OPEN, "conditions": ["is_ready"]},
    {"trigger": "close", "source": S.OPEN, "dest": S.CLOSED},
    {"trigger": "decide", "source": S.CLOSED, "dest": S.DECIDED,
     "conditions": ["every_proposal_settled"]},
]


def is_ready(call: Call, ctx: Mapping[str, Any]) -> None:
    missing = {}
    if not call.sectors:
        missing["sectors"] = "Add at least one sector."
    if not call.criteria:
        missing["criteria"] = "Add at least one scoring criterion."
    if missing:
        raise Incomplete("The call is not ready to open.", fields=missing)


def every_proposal_settled(call: Call, ctx: Mapping[str, Any]) -> None:
    pending: Mapping[str, int] = ctx.get("pending", {})
    if pending:
        listed = ", ".join(f"{count} {state}" for state, count in sorted(pending.items()))
        raise InvalidTransition(f"Proposals still wait for a decision: {listed}.")


call_workflow = Workflow(
    name="call",
    label="call",
    states=CallState,
    transitions=TRANSITIONS,
    guards={"is_ready": is_ready, "every_proposal_settled": every_proposal_settled},
    scope=lambda call: {"call_id": call.id, "proposal_id": None},
)
