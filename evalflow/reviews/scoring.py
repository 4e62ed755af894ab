"""Scoring arithmetic and reviewer load balancing: plain functions over plain data."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

PLACES = Decimal("0.0001")


def weighted_total(scores: Mapping[str, Decimal], weights: Mapping[str, Decimal]) -> Decimal:
    """One review's score: the weighted mean of its criterion scores."""
    total_weight = sum((weights[code] for code in scores), Decimal(0))
    if total_weight == 0:
        raise ValueError("no weighted scores")
    weighted = sum((scores[code] * weights[code] for code in scores), Decimal(0))
    return (weighted / total_weight).quantize(PLACES)


@dataclass(frozen=True)
class Standing:
    """A proposal's standing once its review is complete."""

    score: Decimal
    spread: Decimal
    reviews: int
    below_threshold: list[str]


def standing(
    review_totals: Sequence[Decimal],
    criterion_scores: Mapping[str, Sequence[Decimal]],
    thresholds: Mapping[str, Decimal | None],
) -> Standing:
    """The mean of the reviews' weighted totals, their spread (highest minus lowest), and the
    criteria whose mean score falls under their threshold, in the rubric's order."""
    if not review_totals:
        raise ValueError("no reviews")
    mean = (sum(review_totals, Decimal(0)) / len(review_totals)).quantize(PLACES)
    spread = (max(review_totals) - min(review_totals)).quantize(PLACES)
    below = [
        code
        for code, threshold in thresholds.items()
        if threshold is not None
        and criterion_scores.get(code)
        and sum(criterion_scores[code], Decimal(0)) < threshold * len(criterion_scores[code])
    ]
    return Standing(mean, spread, len(review_totals), below)


def plan_assignments(
    needs: Iterable[tuple[int, int, set[int]]], loads: Mapping[int, int]
) -> list[tuple[int, int]]:
    """Choose reviewers for proposals, least loaded first, never one that is excluded.

    `needs` holds (proposal id, reviewers still needed, reviewer ids that must not be chosen:
    already assigned or conflicted); `loads` maps every available reviewer to their current
    number of assignments. Ties go to the lower id, so the plan is reproducible.
    """
    heap = [(load, reviewer) for reviewer, load in loads.items()]
    heapq.heapify(heap)
    plan: list[tuple[int, int]] = []
    for proposal_id, needed, excluded in needs:
        taken: list[tuple[int, int]] = []
        skipped: list[tuple[int, int]] = []
        while heap and len(taken) < needed:
            load, reviewer = heapq.heappop(heap)
            (skipped if reviewer in excluded else taken).append((load, reviewer))
        for load, reviewer in taken:
            plan.append((proposal_id, reviewer))
            heapq.heappush(heap, (load + 1, reviewer))
        for entry in skipped:
            heapq.heappush(heap, entry)
    return plan
