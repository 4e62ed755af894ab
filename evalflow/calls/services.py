"""Creating calls and moving them through their lifecycle."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from evalflow import audit, validation
from evalflow.auth.models import User
from evalflow.calls.models import Call, CallState, Criterion, EligibilityCriterion, Sector
from evalflow.calls.workflow import call_workflow
from evalflow.database import utcnow
from evalflow.errors import AlreadyExists, NotFound, ValidationFailed
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.validation import Errors

WEIGHT_TOTALS = (Decimal(1), Decimal(100))
WEIGHT_TOLERANCE = Decimal("0.001")


def get_call(session: Session, code: str) -> Call:
    """The call with that code, its rubric loaded, or NotFound."""
    call = session.scalars(
        sa.select(Call)
        .where(Call.code == code)
        .options(
            selectinload(Call.sectors),
            selectinload(Call.criteria),
            selectinload(Call.eligibility_criteria),
        )
    ).first()
    if call is None:
        raise NotFound(f"There is no call {code}.")
    return call


def next_number(session: Session, call_id: int, counter: str) -> int:
    """Take the next number of one of the call's counters (`last_proposal_number`,
    `last_letter_number`). One atomic UPDATE hands it out, so no two requests ever share a
    reference or a folio; the row lock it takes is held until the transaction ends."""
    column = getattr(Call, counter)
    return session.execute(
        sa.update(Call)
        .where(Call.id == call_id)
        .values({column: column + 1})
        .returning(column)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def list_calls(session: Session, *, offset: int, limit: int) -> tuple[list[Call], int]:
    """A page of calls, newest opening first, with their rubrics, in a fixed number of queries."""
    total = session.scalar(sa.select(sa.func.count(Call.id))) or 0
    calls = session.scalars(
        sa.select(Call)
        .order_by(Call.opens_at.desc(), Call.id.desc())
        .offset(offset)
        .limit(limit)
        .options(
            selectinload(Call.sectors),
            selectinload(Call.criteria),
            selectinload(Call.eligibility_criteria),
        )
    ).all()
    return list(calls), total


def _sectors(errors: Errors, items: Any) -> list[Sector]:
    items = errors.catch("sectors", validation.object_list, items)
    if items is None:
        return []
    if not items:
        errors.add("sectors", "Add at least one sector.")
    seen: set[str] = set()
    sectors = []
    for i, item in enumerate(items):
        code = errors.catch(f"sectors[{i}].code", validation.code, item.get("code"))
        name = errors.catch(f"sectors[{i}].name", validation.text, item.get("name"), max_length=300)
        if code in seen:
            errors.add(f"sectors[{i}].code", "Each sector needs its own code.")
        seen.add(code)
        sectors.append(Sector(code=code, name=name, position=i))
    return sectors


def _eligibility(errors: Errors, items: Any) -> list[EligibilityCriterion]:
    items = errors.catch("eligibility_criteria", validation.object_list, items or [])
    seen: set[str] = set()
    result = []
    for i, item in enumerate(items or []):
        field = f"eligibility_criteria[{i}]"
        code = errors.catch(f"{field}.code", validation.code, item.get("code"))
        text = errors.catch(
            f"{field}.text", validation.text, item.get("text"), max_length=2000, multiline=True
        )
        if code in seen:
            errors.add(f"{field}.code", "Each requirement needs its own code.")
        seen.add(code)
        result.append(EligibilityCriterion(code=code, text=text, position=i))
    return result


def _criteria(errors: Errors, items: Any) -> list[Criterion]:
    items = errors.catch("criteria", validation.object_list, items)
    if items is None:
        return []
    if not items:
        errors.add("criteria", "Add at least one scoring criterion.")
    seen: set[str] = set()
    result = []
    for i, item in enumerate(items):
        field = f"criteria[{i}]"
        code = errors.catch(f"{field}.code", validation.code, item.get("code"))
        name = errors.catch(f"{field}.name", validation.text, item.get("name"), max_length=300)
        description = errors.catch(
            f"{field}.description", validation.text, item.get("description"),
            max_length=4000, required=False, multiline=True,
        )
        weight = errors.catch(f"{field}.weight", validation.number, item.get("weight"))
        low = errors.catch(f"{field}.min", validation.number, item.get("min"))
        high = errors.catch(f"{field}.max", validation.number, item.get("max"))
        threshold = None
        if item.get("threshold") is not None:
            threshold = errors.catch(f"{field}.threshold", validation.number, item["threshold"])
        if weight is not None and weight <= 0:
            errors.add(f"{field}.weight", "A weight must be more than zero.")
        if low is not None and high is not None and high <= low:
            errors.add(f"{field}.max", "The top of the scale must be above its bottom.")
        if threshold is not None and low is not None and high is not None and not (
            low <= threshold <= high
        ):
            errors.add(f"{field}.threshold", "The threshold must lie within the scale.")
        if code in seen:
            errors.add(f"{field}.code", "Each criterion needs its own code.")
        seen.add(code)
        result.append(
            Criterion(
                code=code, name=name, description=description or "", weight=weight,
                min_score=low, max_score=high, threshold=threshold, position=i,
            )
        )
    weights = [c.weight for c in result if c.weight is not None]
    if result and len(weights) == len(result):
        total = sum(weights, Decimal(0))
        if not any(abs(total - goal) <= WEIGHT_TOLERANCE * goal for goal in WEIGHT_TOTALS):
            errors.add("criteria", f"The weights add up to {total}; they must add up to 1 "
                                   "(or 100).")
    return result


def create_call(
    session: Session, data: dict[str, Any], actor: User, *, at: datetime | None = None
) -> Call:
    """Create a call in draft from the API's payload, refusing every invalid field at once."""
    errors = Errors()
    code = errors.catch("code", validation.code, data.get("code"))
    title = errors.catch("title", validation.text, data.get("title"), max_length=300)
    description = errors.catch(
        "description", validation.text, data.get("description"),
        max_length=20000, required=False, multiline=True,
    )
    language = errors.catch("language", validation.choice, data.get("language", "es"), ("es", "en"))
    zone = errors.catch(
        "timezone", validation.timezone, data.get("timezone", "America/Mexico_City")
    )
    opens_at = errors.catch("opens_at", validation.instant, data.get("opens_at"), zone=zone)
    closes_at = errors.catch("closes_at", validation.instant, data.get("closes_at"), zone=zone)
    currency = data.get("currency", "MXN")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isascii()
            and currency.isalpha() and currency.isupper()):
        errors.add("currency", "Give an ISO 4217 code such as MXN.")
    max_award = errors.catch("max_award", validation.money, data.get("max_award"))
    budget = errors.catch("total_budget", validation.money, data.get("total_budget"))
    reviewers = errors.catch(
        "reviewers_per_proposal", validation.integer, data.get("reviewers_per_proposal", 3),
        minimum=1, maximum=20,
    )
    review_days = errors.catch(
        "review_days", validation.integer, data.get("review_days", 21), minimum=1, maximum=365
    )
    if opens_at and closes_at and closes_at <= opens_at:
        errors.add("closes_at", "The call must close after it opens.")
    if max_award and budget and max_award > budget:
        errors.add("max_award", "The cap per proposal cannot exceed the call's budget.")
    sectors = _sectors(errors, data.get("sectors"))
    eligibility = _eligibility(errors, data.get("eligibility_criteria"))
    criteria = _criteria(errors, data.get("criteria"))
    errors.raise_if_any("The call is not valid.")
    if session.scalars(sa.select(Call.id).where(Call.code == code)).first() is not None:
        raise AlreadyExists(f"A call with the code {code} already exists.")
    call = Call(
        code=code, title=title, description=description, language=language, timezone=zone,
        opens_at=opens_at, closes_at=closes_at, currency=currency, max_award=max_award,
        total_budget=budget, reviewers_per_proposal=reviewers, review_days=review_days,
        created_by_id=actor.id, created_at=at or utcnow(), sectors=sectors,
        eligibility_criteria=eligibility, criteria=criteria,
    )
    session.add(call)
    session.flush()
    audit.record(
        session, actor=actor, action="call.create", entity_type="call", entity_id=call.id,
        call_id=call.id, to_state=CallState.DRAFT.value,
        data={"code": call.code, "total_budget": call.total_budget, "max_award": call.max_award},
        at=call.created_at,
    )
    return call


PENDING_AT_DECISION = (
    ProposalState.SUBMITTED, ProposalState.ELIGIBLE, ProposalState.UNDER_REVIEW,
    ProposalState.REVIEWED,
)


def transition_call(
    session: Session, call: Call, event: str, actor: User, *, at: datetime | None = None
) -> CallState:
    """Open, close or decide a call."""
    if event not in call_workflow.events:
        raise ValidationFailed(
            "Unknown event.", fields={"event": f"Choose one of: {', '.join(call_workflow.events)}."}
        )
    context: dict[str, Any] = {}
    if event == "decide":
        rows = session.execute(
            sa.select(Proposal.state, sa.func.count())
            .where(Proposal.call_id == call.id, Proposal.state.in_(PENDING_AT_DECISION))
            .group_by(Proposal.state)
        ).all()
        context["pending"] = {state.value: count for state, count in rows}
    return call_workflow.fire(session, call, event, actor, at=at, **context)
