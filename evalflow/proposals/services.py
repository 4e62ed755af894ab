"""Drafting, documents, submission, withdrawal and eligibility screening of proposals."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from evalflow import audit, notifications, storage, validation
from evalflow.auth.models import User
from evalflow.calls.models import Call, CallState, Sector
from evalflow.calls.services import next_number
from evalflow.database import utcnow
from evalflow.errors import (
    CallNotOpen,
    DeadlinePassed,
    DomainError,
    InvalidTransition,
    NotFound,
    ValidationFailed,
)
from evalflow.proposals import rules, uploads
from evalflow.proposals.models import (
    BudgetLine,
    Document,
    EligibilityDecision,
    Proposal,
    ProposalState,
)
from evalflow.proposals.workflow import proposal_workflow
from evalflow.validation import Errors

EDITABLE_FIELDS = ("sector", "title", "summary", "work_plan", "requested_amount", "budget_lines")


def _parse_fields(errors: Errors, data: dict[str, Any], call: Call) -> dict[str, Any]:
    """Parse the editable fields present in `data` (a draft may be partial)."""
    parsed: dict[str, Any] = {}
    if "sector" in data:
        sector = next((s for s in call.sectors if s.code == data["sector"]), None)
        if sector is None:
            errors.add("sector", f"Choose one of the sectors of {call.code}.")
        parsed["sector"] = sector
    limits = {"title": (300, False), "summary": (10000, True), "work_plan": (50000, True)}
    for field, (length, multiline) in limits.items():
        if field in data:
            parsed[field] = errors.catch(
                field, validation.text, data[field], max_length=length, required=False,
                multiline=multiline,
            )
    if "requested_amount" in data:
        parsed["requested_amount"] = (
            None if data["requested_amount"] is None
            else errors.catch("requested_amount", validation.money, data["requested_amount"])
        )
    if "budget_lines" in data:
        items = errors.catch("budget_lines", validation.object_list, data["budget_lines"]) or []
        if len(items) > 200:
            errors.add("budget_lines", "At most 200 budget lines.")
        lines = []
        for i, item in enumerate(items):
            concept = errors.catch(
                f"budget_lines[{i}].concept", validation.text, item.get("concept"), max_length=300
            )
            amount = errors.catch(
                f"budget_lines[{i}].amount", validation.money, item.get("amount")
            )
            lines.append(BudgetLine(concept=concept, amount=amount, position=i))
        parsed["budget_lines"] = lines
    return parsed


def _apply(proposal: Proposal, parsed: dict[str, Any]) -> None:
    for field, value in parsed.items():
        setattr(proposal, field, value)


def _open_call(session: Session, code: Any, at: datetime) -> Call:
    call = session.scalars(
        sa.select(Call).where(Call.code == str(code)).options(selectinload(Call.sectors))
    ).first() if isinstance(code, str) else None
    if call is None:
        raise ValidationFailed("Unknown call.", fields={"call": "There is no call with that code."})
    if call.state != CallState.OPEN:
        raise CallNotOpen(f"The call {call.code} is {call.state.value}, not open.")
    if not rules.is_before_deadline(at, call.closes_at):
        raise DeadlinePassed(f"The call {call.code} closed for submissions.")
    return call


def create_proposal(
    session: Session, data: dict[str, Any], actor: User, *, at: datetime | None = None
) -> Proposal:
    """Start a draft for the applicant's institution in an open call."""
    at = at or utcnow()
    call = _open_call(session, data.get("call"), at)
    errors = Errors()
    parsed = _parse_fields(errors, data, call)
    errors.raise_if_any("The proposal is not valid.")
    number = next_number(session, call.id, "last_proposal_number")
    proposal = Proposal(
        call=call, institution_id=actor.institution_id, created_by_id=actor.id, number=number,
        reference=f"{call.code}-{number:03d}", created_at=at, updated_at=at,
    )
    _apply(proposal, parsed)
    session.add(proposal)
    session.flush()
    audit.record(
        session, actor=actor, action="proposal.create", entity_type="proposal",
        entity_id=proposal.id, call_id=call.id, proposal_id=proposal.id,
        to_state=ProposalState.DRAFT.value, data={"reference": proposal.reference}, at=at,
    )
    return proposal


def update_proposal(
    session: Session, proposal: Proposal, data: dict[str, Any], actor: User
) -> None:
    """Edit a draft; any other state refuses with nothing changed."""
    if proposal.state != ProposalState.DRAFT:
        raise InvalidTransition(f"Only a draft can be edited; this one is {proposal.state.value}.")
    unknown = sorted(set(data) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(
            "Unknown fields.", fields={name: "This field cannot be changed." for name in unknown}
        )
    errors = Errors()
    parsed = _parse_fields(errors, data, proposal.call)
    errors.raise_if_any("The proposal is not valid.")
    # Lock the draft against a concurrent submit: the update only applies while it is a draft.
    locked = session.execute(
        sa.update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.state == ProposalState.DRAFT)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if locked != 1:
        raise InvalidTransition("The proposal is no longer a draft.")
    _apply(proposal, parsed)
    session.flush()


def add_document(
    session: Session, proposal: Proposal, filename: str | None, data: bytes, actor: User,
    *, max_bytes: int, at: datetime | None = None,
) -> Document:
    """Attach a PDF to a draft."""
    if proposal.state != ProposalState.DRAFT:
        raise InvalidTransition("Documents can only be added to a draft.")
    uploads.check_pdf(data, max_bytes=max_bytes)
    stored = storage.save_bytes("documents", data)
    document = Document(
        proposal_id=proposal.id, filename=uploads.safe_filename(filename), stored_name=stored,
        sha256=storage.sha256_hex(data), size=len(data), uploaded_by_id=actor.id,
        uploaded_at=at or utcnow(),
    )
    session.add(document)
    session.flush()
    audit.record(
        session, actor=actor, action="proposal.add_document", entity_type="document",
        entity_id=document.id, call_id=proposal.call_id, proposal_id=proposal.id,
        data={"filename": document.filename, "sha256": document.sha256, "size": document.size},
        at=document.uploaded_at,
    )
    return document


def submit_proposal(
    session: Session, proposal: Proposal, actor: User, *, at: datetime | None = None
) -> ProposalState:
    """Submit a complete draft before the call's deadline.

    The draft's row is locked and re-read first: an edit or a document removal committed
    meanwhile is then either before the checks (and seen by them) or waits until after.
    """
    at = at or utcnow()
    session.execute(
        sa.select(Proposal)
        .where(Proposal.id == proposal.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    session.expire(proposal, ["budget_lines", "documents"])
    state = proposal_workflow.fire(
        session, proposal, "submit", actor, values={"submitted_at": at, "updated_at": at}, at=at
    )
    notifications.submission_received(session, proposal)
    return state


def withdraw_proposal(session: Session, proposal: Proposal, actor: User) -> ProposalState:
    """The institution withdraws its proposal (until review starts)."""
    return proposal_workflow.fire(session, proposal, "withdraw", actor)


def screen_proposal(
    session: Session, proposal: Proposal, actor: User, *, eligible: bool,
    reason: str | None = None, answers: dict[str, bool] | None = None,
    at: datetime | None = None,
) -> ProposalState:
    """Record the eligibility decision and move the proposal to eligible or ineligible."""
    if answers is not None:
        codes = {c.code for c in proposal.call.eligibility_criteria}
        bad = {k: "Not a requirement of this call." for k in answers if k not in codes}
        bad |= {k: "Answer true or false." for k, v in answers.items() if not isinstance(v, bool)}
        if bad:
            raise ValidationFailed("The checklist answers are not valid.", fields=bad)
    if reason is not None:
        reason = validation.text(reason, max_length=4000, required=False, multiline=True)
    event = "approve_eligibility" if eligible else "reject_eligibility"
    state = proposal_workflow.fire(
        session, proposal, event, actor, reason=reason, data={"answers": answers or {}}, at=at
    )
    session.add(
        EligibilityDecision(
            proposal_id=proposal.id, eligible=eligible, reason=reason or None, answers=answers,
            decided_by_id=actor.id, decided_at=at or utcnow(),
        )
    )
    session.flush()
    notifications.eligibility_decided(session, proposal)
    return state


def list_call_proposals(
    session: Session, call: Call, *, state: str | None, sector: str | None, offset: int,
    limit: int,
) -> tuple[list[Proposal], int]:
    """A page of a call's proposals by reference, with institution and sector loaded."""
    query = sa.select(Proposal).where(Proposal.call_id == call.id)
    if state:
        try:
            query = query.where(Proposal.state == ProposalState(state))
        except ValueError as error:
            raise ValidationFailed(
                "Unknown state.", fields={"state": "Not a proposal state."}
            ) from error
    if sector:
        query = query.join(Sector, Proposal.sector_id == Sector.id).where(Sector.code == sector)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    proposals = session.scalars(
        query.order_by(Proposal.number)
        .offset(offset)
        .limit(limit)
        .options(joinedload(Proposal.institution), joinedload(Proposal.sector))
    ).all()
    return list(proposals), total


def get_document(session: Session, proposal: Proposal, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None or document.proposal_id != proposal.id:
        raise NotFound("There is no such document.")
    return document


def remove_document(
    session: Session, proposal: Proposal, document: Document, actor: User,
    *, at: datetime | None = None,
) -> None:
    """Take a PDF off a draft. The stored file stays: the audit trail names its hash."""
    if proposal.state != ProposalState.DRAFT:
        raise InvalidTransition("Documents can only be removed from a draft.")
    if document.proposal_id != proposal.id:
        raise NotFound("There is no such document.")
    # As in update_proposal, the change applies only while the proposal is still a draft; the
    # no-op write takes the row lock without marking the draft's fields as newly saved.
    locked = session.execute(
        sa.update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.state == ProposalState.DRAFT)
        .values(updated_at=Proposal.updated_at)
        .execution_options(synchronize_session=False)
    ).rowcount
    if locked != 1:
        raise InvalidTransition("The proposal is no longer a draft.")
    data = {"filename": document.filename, "sha256": document.sha256, "size": document.size}
    document_id = document.id
    proposal.documents.remove(document)
    session.delete(document)
    session.flush()
    audit.record(
        session, actor=actor, action="proposal.remove_document", entity_type="document",
        entity_id=document_id, call_id=proposal.call_id, proposal_id=proposal.id, data=data,
        at=at or utcnow(),
    )


def submission_problems(
    proposal: Proposal, *, at: datetime | None = None
) -> list[DomainError]:
    """Every reason the submit event would refuse now, not only the first one.

    Runs the workflow's own guards, so the confirmation page and the refusal agree.
    """
    if proposal_workflow.target(proposal.state, "submit") is None:
        return [InvalidTransition(f"A proposal that is {proposal.state.value} cannot submit.")]
    context = {"at": at or utcnow(), "values": {}}
    problems: list[DomainError] = []
    for guard in ("call_is_open", "before_deadline", "is_complete", "within_cap"):
        try:
            proposal_workflow.guards[guard](proposal, context)
        except DomainError as error:
            problems.append(error)
    return problems


def open_calls(session: Session, *, at: datetime | None = None) -> list[Call]:
    """Calls taking proposals now, closing soonest first, with their sectors."""
    at = at or utcnow()
    return list(session.scalars(
        sa.select(Call)
        .where(Call.state == CallState.OPEN, Call.closes_at > at)
        .order_by(Call.closes_at, Call.id)
        .options(selectinload(Call.sectors))
    ))


def institution_proposals(session: Session, actor: User) -> list[Proposal]:
    """The applicant's institution's proposals, newest first, with their calls."""
    return list(session.scalars(
        sa.select(Proposal)
        .where(Proposal.institution_id == actor.institution_id)
        .order_by(Proposal.created_at.desc(), Proposal.id.desc())
        .options(joinedload(Proposal.call), joinedload(Proposal.sector))
    ))
