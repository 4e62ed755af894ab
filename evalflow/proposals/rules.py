"""Plain rules about proposals, free of I/O so they can be tested on their own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol


class _Line(Protocol):
    amount: Decimal


def budget_total(lines: Sequence[_Line]) -> Decimal:
    """Sum of budget lines, exact."""
    return sum((line.amount for line in lines), Decimal("0.00"))


def missing_for_submission(
    *,
    title: str,
    summary: str,
    sector_id: int | None,
    requested_amount: Decimal | None,
    budget_lines: Sequence[_Line],
    documents: int,
) -> dict[str, str]:
    """What still keeps a draft from being submitted, by field, in plain words."""
    missing: dict[str, str] = {}
    if not title.strip():
        missing["title"] = "A title is required."
    if not summary.strip():
        missing["summary"] = "A summary is required."
    if sector_id is None:
        missing["sector"] = "Choose one of the call's sectors."
    if requested_amount is None:
        missing["requested_amount"] = "Say how much is requested."
    if not budget_lines:
        missing["budget_lines"] = "Add at least one budget line."
    elif requested_amount is not None and budget_total(budget_lines) != requested_amount:
        missing["budget_lines"] = (
            f"The budget lines add up to {budget_total(budget_lines)}, "
            f"not to the requested {requested_amount}."
        )
    if documents == 0:
        missing["documents"] = "Attach at least one PDF document."
    return missing


def is_before_deadline(now: datetime, closes_at: datetime) -> bool:
    """Deadlines are instants: 18:00 in the call's time zone is one moment everywhere."""
    return now < closes_at
