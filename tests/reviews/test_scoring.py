"""Scoring arithmetic and reviewer load balancing, as plain functions."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal

import pytest

from evalflow.reviews.scoring import plan_assignments, standing, weighted_total

D = Decimal


def test_weighted_total_is_the_weighted_mean():
    assert weighted_total({"C1": D(9), "C2": D(6)}, {"C1": D("0.6"), "C2": D("0.4")}) == D("7.8")
    assert weighted_total({"C1": D(7)}, {"C1": D("0.25"), "C2": D("0.75")}) == D(7)


def test_weights_in_percent_give_the_same_mean():
    scores = {"C1": D("8.5"), "C2": D(4), "C3": D(10)}
    assert weighted_total(scores, {"C1": D(30), "C2": D(30), "C3": D(40)}) == weighted_total(
        scores, {"C1": D("0.3"), "C2": D("0.3"), "C3": D("0.4")})


def test_an_empty_review_has_no_total():
    with pytest.raises(ValueError):
        weighted_total({}, {"C1": D(1)})


def test_the_plan_balances_load_and_respects_exclusions():
    needs = [(p, 3, {1} if p % 2 else set()) for p in range(1, 21)]
    plan = plan_assignments(needs, dict.fromkeys(range(1, 7), 0))
    assert len(plan) == 60
    load = Counter(reviewer for _, reviewer in plan)
    assert max(load.values()) - min(load.values()) <= 1
    assert not any(reviewer == 1 for proposal, reviewer in plan if proposal % 2)
    assert all(len({r for p, r in plan if p == proposal}) == 3 for proposal in range(1, 21))


def test_existing_load_is_taken_into_account():
    plan = plan_assignments([(1, 2, set())], {10: 5, 11: 0, 12: 1})
    assert sorted(r for _, r in plan) == [11, 12]


def test_fewer_free_reviewers_than_needed_assigns_what_it_can():
    assert plan_assignments([(1, 3, {2})], {1: 0, 2: 0}) == [(1, 1)]


def test_the_plan_is_reproducible():
    rng = random.Random(7)
    needs = [(p, 2, set(rng.sample(range(10), 2))) for p in range(50)]
    loads = {r: rng.randrange(3) for r in range(10)}
    assert plan_assignments(needs, loads) == plan_assignments(needs, dict(loads))


def test_standing_is_mean_spread_and_criteria_under_threshold():
    result = standing(
        [D("8.4"), D("7.2"), D("9.0")],
        {"C1": [D(5), D(6), D(6)], "C2": [D(9), D(9), D(10)], "C3": [D(4)]},
        {"C1": D(6), "C2": D(9), "C3": None},
    )
    assert (result.score, result.spread, result.reviews) == (D("8.2"), D("1.8"), 3)
    assert result.below_threshold == ["C1"]  # 5.67 < 6; C2's 9.33 is not under 9


def test_a_mean_exactly_at_the_threshold_is_not_under_it():
    result = standing([D(6)], {"C1": [D(5), D(7)]}, {"C1": D(6)})
    assert result.below_threshold == []


def test_standing_needs_reviews():
    with pytest.raises(ValueError):
        standing([], {}, {})
