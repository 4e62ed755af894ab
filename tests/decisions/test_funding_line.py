"""The funding line: down the ranking within the budget and the cap, skipping weak ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from evalflow.decisions.funding_line import funding_line


@dataclass
class Row:
    proposal_id: int
    requested_amount: Decimal | None
    below_threshold: list[str] = field(default_factory=list)


def rows(*amounts: str, weak: tuple[int, ...] = ()) -> list[Row]:
    return [Row(i, Decimal(a), ["C1"] if i in weak else []) for i, a in enumerate(amounts, 1)]


def ids(items) -> list[int]:
    return [getattr(i, "item", i).proposal_id for i in items]


def test_funds_down_the_ranking_at_the_requested_amount_while_the_budget_lasts():
    to_fund, reserve = funding_line(rows("400", "300", "200", "100"), Decimal("750"),
                                    Decimal("1000"))
    assert ids(to_fund) == [1, 2]
    assert [p.amount for p in to_fund] == [Decimal("400"), Decimal("300")]
    assert ids(reserve) == [3, 4]


def test_the_line_falls_at_the_first_that_does_not_fit_even_if_a_smaller_one_would():
    to_fund, reserve = funding_line(rows("500", "600", "100"), Decimal("700"), Decimal("1000"))
    assert ids(to_fund) == [1]
    assert ids(reserve) == [2, 3]


def test_amounts_never_exceed_the_cap():
    to_fund, reserve = funding_line(rows("1200", "900"), Decimal("5000"), Decimal("1000"))
    assert [p.amount for p in to_fund] == [Decimal("1000"), Decimal("900")]
    assert reserve == []


def test_proposals_below_a_threshold_are_skipped_and_not_held_in_reserve():
    to_fund, reserve = funding_line(rows("100", "100", "100", "900", weak=(2,)), Decimal("250"),
                                    Decimal("1000"))
    assert ids(to_fund) == [1, 3]
    assert ids(reserve) == [4]


def test_an_exact_fit_is_funded_and_nothing_when_the_budget_is_spent():
    to_fund, reserve = funding_line(rows("300", "200"), Decimal("500"), Decimal("1000"))
    assert ids(to_fund) == [1, 2] and reserve == []
    to_fund, reserve = funding_line(rows("300"), Decimal("0"), Decimal("1000"))
    assert to_fund == [] and ids(reserve) == [1]


def test_an_empty_ranking_proposes_nothing():
    assert funding_line([], Decimal("100"), Decimal("100")) == ([], [])
