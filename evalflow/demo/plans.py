"""What the demo's committee scores and writes, and how its officer funds: decided up front,
deterministically, before anything is written."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from evalflow.demo import data
from evalflow.reports.services import RankedProposal

# Review plans per proposal: three reviewers, plus one who replaces a conflicted reviewer.
SLOTS = 4
ZONE = ZoneInfo(data.TIMEZONE)


def local(text: str, after: timedelta = timedelta()) -> datetime:
    """The instant of a wall-clock time in the call's zone (`text` plus `after`).

    zoneinfo picks the 2008 offset: -05:00 until 26 October, -06:00 after.
    """
    wall = datetime.fromisoformat(text) + after
    return wall.replace(tzinfo=ZONE)


@dataclass(frozen=True)
class ReviewPlan:
    """What one reviewer slot of one proposal scores and writes, and when."""

    scores: dict[str, int]
    to_applicant: str
    to_committee: str
    at: datetime


@dataclass(frozen=True)
class FundingStep:
    """The decision for one ranked proposal."""

    proposal_id: int
    reference: str
    fund: bool
    amount: Decimal | None
    reason: str


def plan_reviews() -> dict[tuple[str, int], ReviewPlan]:
    """Every review the demo may write, keyed by (institution key, reviewer slot).

    Drawn in one pass from `random.Random(2008)` before anything is written, so the scores do
    not depend on how many reviews an interrupted earlier run had already saved.
    """
    rng = random.Random(2008)
    codes = [str(c["code"]) for c in data.CRITERIA]
    weights = {str(c["code"]): Decimal(str(c["weight"])) for c in data.CRITERIA}
    sector_names = {s["code"]: s["name"] for s in data.SECTORS}
    plans: dict[tuple[str, int], ReviewPlan] = {}
    for spec in data.PROPOSALS:
        if spec.rejected:
            continue
        quality = rng.uniform(5.8, 9.4)
        bias = {code: rng.uniform(-0.8, 0.8) for code in codes}
        for slot in range(SLOTS):
            severity = rng.gauss(0, 0.6)
            scores = {
                code: min(10, max(1, round(quality + bias[code] + severity + rng.gauss(0, 0.6))))
                for code in codes
            }
            total = sum((scores[code] * weights[code] for code in codes), Decimal(0))
            level = ("high" if total >= Decimal("8.5") else "good" if total >= 7
                     else "fair" if total >= Decimal("5.5") else "low")
            strongest = max(codes, key=lambda code: scores[code])
            weakest = min(codes, key=lambda code: scores[code])
            parts = [rng.choice(data.OPENINGS[level]), data.STRENGTHS[strongest]]
            if scores[weakest] < scores[strongest]:
                parts.append(data.IMPROVEMENTS[weakest])
            remark = rng.choice(data.REMARKS).format(sector=sector_names[spec.sector])
            at = local(data.REVIEWS_FROM, timedelta(
                days=rng.randrange(data.REVIEW_DAYS), hours=rng.randrange(9, 20),
                minutes=rng.randrange(60),
            ))
            plans[(spec.key, slot)] = ReviewPlan(
                scores, " ".join(parts), f"{data.RECOMMENDATIONS[level]} {remark}", at
            )
    return plans


def plan_funding(
    ranked: Sequence[RankedProposal], budget: Decimal, criterion_names: Mapping[str, str]
) -> list[FundingStep]:
    """Fund down the ranking at the requested amount while the budget allows; decline the
    rest. A proposal whose mean score falls under a criterion's threshold is declined
    whatever its rank, and does not stop the funding of those below it."""
    steps: list[FundingStep] = []
    remaining = budget
    exhausted = False
    for entry in ranked:
        standing = f"lugar {entry.rank} de {len(ranked)}, calificación {entry.score:.2f}"
        requested = entry.requested_amount or Decimal("0.00")
        if entry.below_threshold:
            names = ", ".join(f"«{criterion_names.get(code, code)}»"
                              for code in entry.below_threshold)
            steps.append(FundingStep(
                entry.proposal_id, entry.reference, False, None,
                f"La propuesta no alcanzó la calificación mínima requerida en {names} "
                f"({standing}).",
            ))
        elif not exhausted and requested <= remaining:
            remaining -= requested
            steps.append(FundingStep(
                entry.proposal_id, entry.reference, True, requested,
                f"Propuesta seleccionada por la Comisión de Evaluación ({standing}).",
            ))
        else:
            exhausted = True
            steps.append(FundingStep(
                entry.proposal_id, entry.reference, False, None,
                f"La propuesta ocupó el lugar {entry.rank} de {len(ranked)} con una "
                f"calificación de {entry.score:.2f}; el presupuesto de la convocatoria "
                f"(${budget:,.2f}) no alcanza para apoyarla después de las propuestas mejor "
                "calificadas.",
            ))
    return steps
