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
from evalflow.errors import AlreadyExists, NotFound, Refused, ValidationFailed
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
    fields = _call_fields(errors, data)
    sectors = _sectors(errors, data.get("sectors"))
    eligibility = _eligibility(errors, data.get("eligibility_criteria"))
    criteria = _criteria(errors, data.get("criteria"))
    errors.raise_if_any("The call is not valid.")
    code = fields["code"]
    if session.scalars(sa.select(Call.id).where(Call.code == code)).first() is not None:
        raise AlreadyExists(f"A call with the code {code} already exists.")
    call = Call(
        **fields, created_by_id=actor.id, created_at=at or utcnow(), sectors=sectors,
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


def _call_fields(errors: Errors, data: dict[str, Any]) -> dict[str, Any]:
    """The call's own fields (all but its lists), validated; used to create and to edit."""
    zone = errors.catch(
        "timezone", validation.timezone, data.get("timezone", "America/Mexico_City")
    )
    fields: dict[str, Any] = {
        "code": errors.catch("code", validation.code, data.get("code")),
        "title": errors.catch("title", validation.text, data.get("title"), max_length=300),
        "description": errors.catch(
            "description", validation.text, data.get("description"),
            max_length=20000, required=False, multiline=True,
        ),
        "language": errors.catch(
            "language", validation.choice, data.get("language", "es"), ("es", "en")
        ),
        "timezone": zone,
        "opens_at": errors.catch("opens_at", validation.instant, data.get("opens_at"), zone=zone),
        "closes_at": errors.catch(
            "closes_at", validation.instant, data.get("closes_at"), zone=zone
        ),
        "currency": data.get("currency", "MXN"),
        "max_award": errors.catch("max_award", validation.money, data.get("max_award")),
        "total_budget": errors.catch(
            "total_budget", validation.money, data.get("total_budget")
        ),
        "reviewers_per_proposal": errors.catch(
            "reviewers_per_proposal", validation.integer, data.get("reviewers_per_proposal", 3),
            minimum=1, maximum=20,
        ),
        "review_days": errors.catch(
            "review_days", validation.integer, data.get("review_days", 21),
            minimum=1, maximum=365,
        ),
    }
    currency = fields["currency"]
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isascii()
            and currency.isalpha() and currency.isupper()):
        errors.add("currency", "Give an ISO 4217 code such as MXN.")
    opens_at, closes_at = fields["opens_at"], fields["closes_at"]
    if opens_at and closes_at and closes_at <= opens_at:
        errors.add("closes_at", "The call must close after it opens.")
    if fields["max_award"] and fields["total_budget"] and (
        fields["max_award"] > fields["total_budget"]
    ):
        errors.add("max_award", "The cap per proposal cannot exceed the call's budget.")
    return fields


def _has_reviews(session: Session, call: Call) -> bool:
    from evalflow.reviews.models import Review

    return session.scalar(
        sa.select(sa.func.count(Review.id))
        .join(Proposal, Review.proposal_id == Proposal.id)
        .where(Proposal.call_id == call.id)
    ) > 0


def _rubric_refusal(old: list[Criterion], new: list[Criterion]) -> str | None:
    """Why the new rubric would invalidate reviews already given, or None."""
    given = {c.code: c for c in new}
    removed = [c.code for c in old if c.code not in given]
    if removed:
        return (f"Reviews have been given on this call, so no criterion can be removed "
                f"({', '.join(removed)}).")
    for criterion in old:
        changed = given[criterion.code]
        if (Decimal(changed.weight) != Decimal(criterion.weight)
                or Decimal(changed.min_score) != Decimal(criterion.min_score)
                or Decimal(changed.max_score) != Decimal(criterion.max_score)):
            return (f"Reviews have been given on this call, so the weight and scale of "
                    f"{criterion.code} cannot change; only its wording can.")
    added = sorted(set(given) - {c.code for c in old})
    if added:
        return (f"Reviews have been given on this call, so no criterion can be added "
                f"({', '.join(added)}).")
    return None


def _merge(current: list[Any], wanted: list[Any], attrs: tuple[str, ...],
           in_use: set[str], what: str) -> list[Any]:
    """Update rows in place by code (scores and proposals point at them), add the new ones,
    and drop the missing ones unless something still uses them."""
    by_code = {row.code: row for row in current}
    result = []
    for row in wanted:
        existing = by_code.pop(row.code, None)
        if existing is None:
            result.append(row)
            continue
        for attr in attrs:
            setattr(existing, attr, getattr(row, attr))
        result.append(existing)
    for code in by_code:
        if code in in_use:
            raise Refused(f"The {what} {code} is in use by proposals and cannot be removed.")
    return result


def update_call(
    session: Session, call: Call, data: dict[str, Any], actor: User, *, at: datetime | None = None
) -> Call:
    """Change a call with create_call's payload and validation. A draft changes freely; once
    reviews exist the rubric keeps its criteria, weights and scales (only wording may change)."""
    if call.state == CallState.DECIDED:
        raise Refused("A decided call can no longer be changed.")
    errors = Errors()
    fields = _call_fields(errors, data)
    sectors = _sectors(errors, data.get("sectors"))
    eligibility = _eligibility(errors, data.get("eligibility_criteria"))
    criteria = _criteria(errors, data.get("criteria"))
    errors.raise_if_any("The call is not valid.")
    if fields["code"] != call.code:
        if call.state != CallState.DRAFT:
            raise Refused("The code of a call that has opened cannot change.")
        if session.scalars(
            sa.select(Call.id).where(Call.code == fields["code"], Call.id != call.id)
        ).first() is not None:
            raise AlreadyExists(f"A call with the code {fields['code']} already exists.")
    if _has_reviews(session, call):
        refusal = _rubric_refusal(list(call.criteria), criteria)
        if refusal:
            raise Refused(refusal, fields={"criteria": refusal})
    used_sectors = set(session.scalars(
        sa.select(Sector.code).join(Proposal, Proposal.sector_id == Sector.id)
        .where(Sector.call_id == call.id).distinct()
    ))
    for name, value in fields.items():
        setattr(call, name, value)
    call.sectors = _merge(list(call.sectors), sectors, ("name", "position"),
                          used_sectors, "sector")
    call.eligibility_criteria = _merge(
        list(call.eligibility_criteria), eligibility, ("text", "position"), set(),
        "requirement",
    )
    call.criteria = _merge(
        list(call.criteria), criteria,
        ("name", "description", "weight", "min_score", "max_score", "threshold", "position"),
        set(), "criterion",
    )
    session.flush()
    audit.record(
        session, actor=actor, action="call.update", entity_type="call", entity_id=call.id,
        call_id=call.id,
        data={"code": call.code, "total_budget": call.total_budget, "max_award": call.max_award,
              "criteria": {c.code: c.weight for c in call.criteria}},
        at=at or utcnow(),
    )
    return call
