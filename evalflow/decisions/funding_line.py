"""The funding line: fund down the ranking within the budget and the cap (pure arithmetic).

Plain data in, plain data out, so the officer's page and the tests share one rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol


class Ranked(Protocol):
    """What the line needs to know of a ranked proposal."""

    proposal_id: int
    requested_amount: Decimal | None
    below_threshold: list[str]


@dataclass(frozen=True)
class Proposed:
    """A proposal above the line and the amount proposed for it."""

    item: Any
    amount: Decimal


def funding_line(
    ranked: Sequence[Ranked], budget_remaining: Decimal, cap: Decimal
) -> tuple[list[Proposed], list[Any]]:
    """Propose funding down the ranking, best first, each at its requested amount (never above
    the cap), while the remaining budget allows; the line falls at the first proposal that no
    longer fits. Proposals flagged below a criterion's threshold are skipped (neither funded
    nor held in reserve). Returns (to_fund, reserve): the reserve is every other proposal
    below the line, in ranking order.
    """
    remaining = Decimal(budget_remaining)
    to_fund: list[Proposed] = []
    reserve: list[Any] = []
    line_drawn = False
    for item in ranked:
        if item.below_threshold:
            continue
        amount = min(Decimal(item.requested_amount or 0), Decimal(cap))
        if line_drawn or amount <= 0 or amount > remaining:
            line_drawn = True
            reserve.append(item)
            continue
        to_fund.append(Proposed(item, amount))
        remaining -= amount
    return to_fund, reserve
