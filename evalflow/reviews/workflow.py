"""Lifecycles of an assignment (the conflict declaration) and of a review (draft → submitted)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from evalflow.errors import ValidationFailed
from evalflow.reviews.models import AssignmentState, ReviewState
from evalflow.workflow import Workflow

A = AssignmentState


def has_reason(obj: Any, ctx: Mapping[str, Any]) -> None:
    if not (ctx.get("reason") or "").strip():
        raise ValidationFailed(
            "Say why there is a conflict of interest.", fields={"reason": "A reason is required."}
        )


def scores_complete(obj: Any, ctx: Mapping[str, Any]) -> None:
    missing: list[str] = ctx.get("missing_scores", [])
    if missing:
        raise ValidationFailed(
            "Every criterion needs a score before the review is submitted.",
            fields={f"scores.{code}": "A score is required." for code in missing},
        )


assignment_workflow = Workflow(
    name="assignment",
    label="assignment",
    states=AssignmentState,
    transitions=[
        {"trigger": "declare_no_conflict", "source": A.PENDING, "dest": A.ACCEPTED},
        {"trigger": "declare_conflict", "source": [A.PENDING, A.ACCEPTED], "dest": A.CONFLICTED,
         "conditions": ["has_reason"]},
    ],
    guards={"has_reason": has_reason},
    scope=lambda a: {"call_id": a.proposal.call_id, "proposal_id": a.proposal_id},
)

review_workflow = Workflow(
    name="review",
    label="review",
    states=ReviewState,
    transitions=[
        {"trigger": "submit", "source": ReviewState.DRAFT, "dest": ReviewState.SUBMITTED,
         "conditions": ["scores_complete"]},
    ],
    guards={"scores_complete": scores_complete},
    scope=lambda r: {"call_id": r.assignment.proposal.call_id, "proposal_id": r.proposal_id},
)
