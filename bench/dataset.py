"""Build the benchmark's call in memory and bulk-load it with SQLAlchemy Core inserts.

The call `BENCH-10K` is loaded in the shape it has while the committee decides: every
proposal submitted, screened eligible and reviewed by three reviewers (per-criterion scores
and the stored weighted `total`), the best ones funded within the budget, the weakest ones
declined, the rest still `reviewed`. Rows carry explicit primary keys (the database is
fresh), so the child rows can point at their parents without reading ids back; on
PostgreSQL the id sequences are moved past the loaded rows afterwards.

Rows go through each model's `__table__`, so the column types apply: `Money` turns the
`Decimal` amounts into integer cents on SQLite, `UTCDateTime` checks that every time is
aware and stores it in UTC. No audit events are written.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalflow.auth.models import Institution, Role, User
from evalflow.calls.models import Call, CallState, Criterion, EligibilityCriterion, Sector
from evalflow.database import CENT
from evalflow.decisions.models import DecisionKind, FundingDecision
from evalflow.proposals.models import BudgetLine, EligibilityDecision, Proposal, ProposalState
from evalflow.reviews import scoring
from evalflow.reviews.models import (
    AssignmentState,
    Review,
    ReviewAssignment,
    ReviewScore,
    ReviewState,
)

CALL_CODE = "BENCH-10K"
CALL_ID = 1
OFFICER_ID = 1
BATCH_SIZE = 5000
MAX_AWARD = Decimal("1000000.00")
FUNDED_SHARE = 0.08  # the best 8% are funded
DECLINED_SHARE = 0.15  # the weakest 15% are declined; the rest wait, still `reviewed`

SECTORS = [
    ("TIC", "Tecnologías de la Información y Comunicación"),
    ("SAL", "Salud"),
    ("ENE", "Energía"),
    ("AGR", "Agroalimentario"),
    ("MAN", "Manufactura avanzada"),
    ("AMB", "Medio ambiente"),
    ("EDU", "Educación"),
    ("TRA", "Transporte"),
    ("BIO", "Biotecnología"),
]
# (code, name, weight, threshold) on a 1-10 scale.
CRITERIA = [
    ("C1", "Calidad científica", Decimal("0.35"), Decimal("6")),
    ("C2", "Impacto", Decimal("0.25"), Decimal("5")),
    ("C3", "Viabilidad", Decimal("0.25"), Decimal("5")),
    ("C4", "Vinculación", Decimal("0.15"), Decimal("4")),
]
ELIGIBILITY = [
    ("E1", "Institución mexicana con registro vigente"),
    ("E2", "Carta de postulación firmada por el representante legal"),
]

OPENS_AT = datetime(2025, 1, 15, 15, 0, tzinfo=UTC)
CLOSES_AT = datetime(2025, 3, 15, 0, 0, tzinfo=UTC)
SCREENED_AT = datetime(2025, 3, 20, 17, 0, tzinfo=UTC)
ASSIGNED_AT = datetime(2025, 3, 25, 16, 0, tzinfo=UTC)
DECIDED_AT = datetime(2025, 5, 12, 18, 0, tzinfo=UTC)


@dataclass
class Dataset:
    """Rows ready for `insert()`, by model, in the order they must be loaded."""

    tables: list[tuple[type, list[dict[str, Any]]]] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=dict)
    awarded_total: Decimal = Decimal("0.00")
    total_budget: Decimal = Decimal("0.00")

    def rows(self) -> int:
        """All the rows of every table."""
        return sum(len(rows) for _, rows in self.tables)


@dataclass
class LoadTimes:
    """Seconds spent building the rows in Python and writing them to the database."""

    generate_s: float
    insert_s: float
    rows: int
    per_table: dict[str, tuple[int, float]]


def build(proposals: int, institutions: int = 500, reviewers: int = 60,
          seed: int = 20250512) -> Dataset:
    """The whole call as lists of row dicts: deterministic for a given seed."""
    rng = random.Random(seed)
    institutions = max(1, min(institutions, proposals))
    per_review = 3
    if reviewers < per_review:
        raise ValueError("at least three reviewers are needed")
    data = Dataset()

    institution_rows = [
        {"id": i, "name": f"Universidad Benchmark {i:04d}", "created_at": OPENS_AT}
        for i in range(1, institutions + 1)
    ]
    users = [{"id": OFFICER_ID, "email": "officer@bench.example.mx", "name": "Oficial Bench",
              "role": Role.OFFICER, "institution_id": None, "password_hash": None,
              "active": True, "created_at": OPENS_AT}]
    reviewer_ids = list(range(2, 2 + reviewers))
    for uid in reviewer_ids:
        users.append({"id": uid, "email": f"reviewer{uid:03d}@bench.example.mx",
                      "name": f"Evaluador {uid:03d}", "role": Role.REVIEWER,
                      "institution_id": None, "password_hash": None, "active": True,
                      "created_at": OPENS_AT})
    applicant_of: dict[int, int] = {}
    for inst in institution_rows:
        uid = len(users) + 1
        applicant_of[inst["id"]] = uid
        users.append({"id": uid, "email": f"applicant{inst['id']:04d}@bench.example.mx",
                      "name": f"Responsable {inst['id']:04d}", "role": Role.APPLICANT,
                      "institution_id": inst["id"], "password_hash": None, "active": True,
                      "created_at": OPENS_AT})

    sectors = [{"id": i, "call_id": CALL_ID, "code": code, "name": name, "position": i}
               for i, (code, name) in enumerate(SECTORS, start=1)]
    eligibility = [{"id": i, "call_id": CALL_ID, "code": code, "text": text, "position": i}
                   for i, (code, text) in enumerate(ELIGIBILITY, start=1)]
    criteria = [{"id": i, "call_id": CALL_ID, "code": code, "name": name, "description": "",
                 "weight": weight, "min_score": Decimal("1"), "max_score": Decimal("10"),
                 "threshold": threshold, "position": i}
                for i, (code, name, weight, threshold) in enumerate(CRITERIA, start=1)]
    weights = {code: weight for code, _, weight, _ in CRITERIA}

    proposal_rows: list[dict[str, Any]] = []
    budget_lines: list[dict[str, Any]] = []
    screened: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []
    reviews: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    means: list[tuple[Decimal, int]] = []
    window = (CLOSES_AT - OPENS_AT).total_seconds()
    for n in range(1, proposals + 1):
        institution_id = (n - 1) % institutions + 1
        requested = Decimal(rng.randrange(200, 1001) * 1000).quantize(CENT)
        submitted_at = OPENS_AT + timedelta(seconds=rng.uniform(0.5, 1.0) * window)
        proposal_rows.append({
            "id": n, "call_id": CALL_ID, "institution_id": institution_id,
            "created_by_id": applicant_of[institution_id],
            "sector_id": rng.randrange(len(SECTORS)) + 1, "number": n,
            "reference": f"{CALL_CODE}-{n:03d}",
            "title": f"Red de vinculación y transferencia tecnológica {n}",
            "summary": "Fortalecer la vinculación entre la academia y el sector productivo.",
            "work_plan": "Etapa 1: diagnóstico. Etapa 2: operación. Etapa 3: evaluación.",
            "requested_amount": requested, "awarded_amount": None,
            "state": ProposalState.REVIEWED, "submitted_at": submitted_at,
            "decided_at": None, "decision_reason": None,
            "created_at": submitted_at - timedelta(days=3), "updated_at": submitted_at,
        })
        first = (requested * Decimal("0.6")).quantize(CENT)
        budget_lines.append({"id": 2 * n - 1, "proposal_id": n, "concept": "Personal",
                             "amount": first, "position": 0})
        budget_lines.append({"id": 2 * n, "proposal_id": n, "concept": "Operación",
                             "amount": requested - first, "position": 1})
        screened.append({"id": n, "proposal_id": n, "eligible": True, "reason": None,
                         "answers": {code: True for code, _ in ELIGIBILITY},
                         "decided_by_id": OFFICER_ID, "decided_at": SCREENED_AT})
        quality = rng.uniform(3.5, 9.5)
        totals = []
        by_criterion: dict[str, list[Decimal]] = {code: [] for code, *_ in CRITERIA}
        for k in range(per_review):
            aid = per_review * (n - 1) + k + 1
            reviewer_id = reviewer_ids[(per_review * (n - 1) + k) % reviewers]
            submitted = ASSIGNED_AT + timedelta(days=rng.uniform(2, 20))
            assignments.append({
                "id": aid, "proposal_id": n, "reviewer_id": reviewer_id,
                "state": AssignmentState.ACCEPTED, "conflict_reason": None,
                "declared_at": ASSIGNED_AT + timedelta(hours=rng.uniform(1, 48)),
                "due_at": ASSIGNED_AT + timedelta(days=21), "assigned_by_id": OFFICER_ID,
                "assigned_at": ASSIGNED_AT,
            })
            given = {code: Decimal(min(10, max(1, round(rng.gauss(quality, 1.2)))))
                     for code in weights}
            total = scoring.weighted_total(given, weights)
            totals.append(total)
            reviews.append({
                "id": aid, "assignment_id": aid, "proposal_id": n,
                "state": ReviewState.SUBMITTED,
                "comment_to_applicant": "Propuesta clara; conviene precisar las metas.",
                "comment_to_committee": "Equipo sólido, presupuesto razonable.",
                "total": total, "submitted_at": submitted, "updated_at": submitted,
            })
            for cid, (code, *_rest) in enumerate(CRITERIA, start=1):
                scores.append({"id": len(scores) + 1, "review_id": aid, "criterion_id": cid,
                               "value": given[code]})
                by_criterion[code].append(given[code])
        # The standing complete_review would have fixed.
        standing = scoring.standing(totals, by_criterion,
                                    {code: threshold for code, _, _, threshold in CRITERIA})
        proposal_rows[-1].update(score=standing.score, score_spread=standing.spread,
                                 review_count=standing.reviews,
                                 below_threshold=standing.below_threshold)
        means.append((standing.score, n))

    # Fund the best, decline the weakest, leave the middle undecided.
    means.sort(key=lambda m: (-m[0], m[1]))
    funded_count = int(proposals * FUNDED_SHARE)
    declined_count = int(proposals * DECLINED_SHARE)
    decisions: list[dict[str, Any]] = []
    awarded_total = Decimal("0.00")
    for position, (_, n) in enumerate(means):
        row = proposal_rows[n - 1]
        if position < funded_count:
            requested = row["requested_amount"]
            # Every third award is trimmed to 90% of the request, as committees do.
            amount = (requested * Decimal("0.9")).quantize(CENT) if n % 3 == 0 else requested
            row.update(state=ProposalState.FUNDED, awarded_amount=amount,
                       decided_at=DECIDED_AT, updated_at=DECIDED_AT)
            awarded_total += amount
            decisions.append({"id": len(decisions) + 1, "proposal_id": n,
                              "kind": DecisionKind.AWARD, "amount": amount, "reason": None,
                              "decided_by_id": OFFICER_ID, "decided_at": DECIDED_AT})
        elif position >= proposals - declined_count:
            reason = "La puntuación no alcanzó el mínimo para recibir apoyo."
            row.update(state=ProposalState.NOT_FUNDED, decided_at=DECIDED_AT,
                       decision_reason=reason, updated_at=DECIDED_AT)
            decisions.append({"id": len(decisions) + 1, "proposal_id": n,
                              "kind": DecisionKind.DECLINE, "amount": None, "reason": reason,
                              "decided_by_id": OFFICER_ID, "decided_at": DECIDED_AT})

    total_budget = MAX_AWARD * max(10, math.ceil(proposals * 0.1))
    assert awarded_total <= total_budget
    call = {
        "id": CALL_ID, "code": CALL_CODE, "title": "Convocatoria de benchmark, 10 000 propuestas",
        "description": "Carga sintética para medir las rutas críticas.", "language": "es",
        "timezone": "America/Mexico_City", "opens_at": OPENS_AT, "closes_at": CLOSES_AT,
        "currency": "MXN", "max_award": MAX_AWARD, "total_budget": total_budget,
        "awarded_total": awarded_total, "reviewers_per_proposal": per_review, "review_days": 21,
        "state": CallState.CLOSED, "last_proposal_number": proposals, "last_letter_number": 0,
        "created_by_id": OFFICER_ID, "created_at": OPENS_AT - timedelta(days=10),
    }
    data.tables = [
        (Institution, institution_rows), (User, users), (Call, [call]), (Sector, sectors),
        (EligibilityCriterion, eligibility), (Criterion, criteria), (Proposal, proposal_rows),
        (BudgetLine, budget_lines), (EligibilityDecision, screened),
        (ReviewAssignment, assignments), (Review, reviews), (ReviewScore, scores),
        (FundingDecision, decisions),
    ]
    data.states = {}
    for row in proposal_rows:
        data.states[row["state"].value] = data.states.get(row["state"].value, 0) + 1
    data.awarded_total = awarded_total
    data.total_budget = total_budget
    return data


def _batches(rows: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def insert(session: Session, data: Dataset,
           batch_size: int = BATCH_SIZE) -> dict[str, tuple[int, float]]:
    """Insert every table in batches (one executemany per batch) and commit once.

    Returns {table: (rows, seconds)}. On PostgreSQL the id sequences are moved past the
    loaded ids so that later inserts (the API token) get fresh ids.
    """
    per_table: dict[str, tuple[int, float]] = {}
    for model, rows in data.tables:
        table: sa.Table = model.__table__  # type: ignore[attr-defined]
        started = time.perf_counter()
        for batch in _batches(rows, batch_size):
            session.execute(table.insert(), list(batch))
        per_table[table.name] = (len(rows), time.perf_counter() - started)
    if session.get_bind().dialect.name == "postgresql":
        for model, rows in data.tables:
            if rows:
                name = model.__table__.name  # type: ignore[attr-defined]
                session.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT max(id) FROM {name}))"))
    started = time.perf_counter()
    session.commit()
    per_table["(commit)"] = (0, time.perf_counter() - started)
    return per_table


def load(session: Session, proposals: int) -> tuple[Dataset, LoadTimes]:
    """Build the rows and insert them; the times are reported separately."""
    started = time.perf_counter()
    data = build(proposals)
    generated = time.perf_counter()
    per_table = insert(session, data)
    inserted = time.perf_counter()
    return data, LoadTimes(generated - started, inserted - generated, data.rows(), per_table)
