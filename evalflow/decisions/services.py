"""Funding decisions within the call's budget, and reserving and issuing letters."""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from evalflow import notifications, storage, validation
from evalflow.auth.models import User
from evalflow.calls.models import Call
from evalflow.calls.services import next_number
from evalflow.database import Money, utcnow
from evalflow.decisions.letters import LetterContent
from evalflow.decisions.models import DecisionKind, FundingDecision, Letter, LetterState
from evalflow.decisions.workflow import letter_workflow
from evalflow.errors import BudgetExceeded, InvalidTransition, NotFound, ValidationFailed
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.proposals.workflow import proposal_workflow

DECIDED = (ProposalState.FUNDED, ProposalState.NOT_FUNDED)
# Unambiguous characters for codes read aloud or typed from paper (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def fund_proposal(
    session: Session, proposal: Proposal, actor: User, amount: Any, *,
    reason: str | None = None, at: datetime | None = None,
) -> ProposalState:
    """Award `amount` to a reviewed proposal, never beyond its request, the cap or the budget.

    The budget is guarded by one conditional UPDATE of the call's committed total: the
    database adds the amount only while the result stays within the budget, so officers
    funding different proposals at once cannot both pass a stale read.
    """
    at = at or utcnow()
    try:
        amount = validation.money(amount)
    except validation.FieldError as error:
        raise ValidationFailed("The amount is not valid.", fields={"amount": str(error)}) from error
    if reason:
        reason = _reason(reason)
    state = proposal_workflow.fire(
        session, proposal, "fund", actor, reason=reason or None,
        values={"awarded_amount": amount, "decided_at": at, "decision_reason": reason or None},
        data={"amount": amount}, at=at,
    )
    added = sa.bindparam("amount", amount, type_=Money())
    new_total = session.execute(
        sa.update(Call)
        .where(Call.id == proposal.call_id, Call.awarded_total + added <= Call.total_budget)
        .values(awarded_total=Call.awarded_total + added)
        .returning(Call.awarded_total)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if new_total is None:
        raise BudgetExceeded(f"Funding {amount} would exceed the call's budget.")
    set_committed_value(proposal.call, "awarded_total", new_total)
    session.add(
        FundingDecision(
            proposal_id=proposal.id, kind=DecisionKind.AWARD, amount=amount, reason=reason or None,
            decided_by_id=actor.id, decided_at=at,
        )
    )
    session.flush()
    return state


def decline_proposal(
    session: Session, proposal: Proposal, actor: User, reason: str | None, *,
    at: datetime | None = None,
) -> ProposalState:
    """Decline a reviewed proposal, with the reason the applicant will read."""
    at = at or utcnow()
    if reason:
        reason = _reason(reason)
    state = proposal_workflow.fire(
        session, proposal, "decline", actor, reason=reason,
        values={"decided_at": at, "decision_reason": reason}, at=at,
    )
    session.add(
        FundingDecision(
            proposal_id=proposal.id, kind=DecisionKind.DECLINE, reason=reason,
            decided_by_id=actor.id, decided_at=at,
        )
    )
    session.flush()
    return state


def _reason(reason: str) -> str:
    try:
        return validation.text(reason, max_length=4000, required=False, multiline=True)
    except validation.FieldError as error:
        raise ValidationFailed("The reason is not valid.", fields={"reason": str(error)}) from error


# --- letters -------------------------------------------------------------------------------


def new_verification_code() -> str:
    """A random code such as K7QM-2XHD-9PTA-4RWN (about 79 bits)."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normalise_code(code: str) -> str:
    """Accept a code typed in lower case, with spaces or without dashes."""
    raw = "".join(ch for ch in code.upper() if ch.isalnum())
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def letter_for(session: Session, proposal_id: int) -> Letter | None:
    """The proposal's letter, if one was reserved."""
    return session.scalars(sa.select(Letter).where(Letter.proposal_id == proposal_id)).first()


def reserve_letter(
    session: Session, proposal: Proposal, actor: User | None, *, at: datetime | None = None
) -> Letter:
    """The proposal's letter, reserving its folio and code on first use (never a second one)."""
    if proposal.state not in DECIDED:
        raise InvalidTransition("A letter is issued once the proposal is funded or declined.")
    existing = letter_for(session, proposal.id)
    if existing is not None:
        return existing
    # Two requests for the same new letter: the proposal's row lock makes the second wait and
    # then find the first one's letter, so no folio number is used up in vain.
    session.execute(sa.select(Proposal.id).where(Proposal.id == proposal.id).with_for_update())
    existing = letter_for(session, proposal.id)
    if existing is not None:
        return existing
    number = next_number(session, proposal.call_id, "last_letter_number")
    kind = DecisionKind.AWARD if proposal.state == ProposalState.FUNDED else DecisionKind.DECLINE
    letter = Letter(
        proposal_id=proposal.id, call_id=proposal.call_id, kind=kind,
        folio=f"{proposal.call.code}/{number:04d}", verification_code=new_verification_code(),
        issued_at=at or utcnow(), issued_by_id=actor.id if actor else None,
    )
    try:
        with session.begin_nested():
            session.add(letter)
    except IntegrityError:
        # Another request reserved it first; theirs is the letter.
        found = letter_for(session, proposal.id)
        if found is None:
            raise
        return found
    return letter


def letter_content(letter: Letter, proposal: Proposal, config: dict[str, Any]) -> LetterContent:
    """Everything the PDF shows, taken from the records (picklable for worker processes)."""
    call = proposal.call
    return LetterContent(
        kind=letter.kind.value,
        language=call.language,
        folio=letter.folio,
        verification_code=letter.verification_code,
        verification_url=f"{config['PUBLIC_URL'].rstrip('/')}/verify/{letter.verification_code}",
        issued_on=letter.issued_at.astimezone(ZoneInfo(call.timezone)).date(),
        place=config["LETTER_PLACE"],
        agency_name=config["AGENCY_NAME"],
        program_name=config["PROGRAM_NAME"],
        call_code=call.code,
        call_title=call.title,
        institution=proposal.institution.name,
        reference=proposal.reference,
        title=proposal.title,
        sector=proposal.sector.name if proposal.sector else "",
        requested_amount=proposal.requested_amount or Decimal("0.00"),
        amount=proposal.awarded_amount,
        currency=call.currency,
        reason=proposal.decision_reason,
        signatory_name=config["SIGNATORY_NAME"],
        signatory_title=config["SIGNATORY_TITLE"],
    )


def store_letter(
    session: Session, letter: Letter, pdf: bytes, actor: User | None
) -> Letter:
    """Keep the rendered PDF and its SHA-256, and mark the letter issued.

    Idempotent: when another run (a second batch, an applicant's download) issued the letter
    meanwhile, that letter stands and these bytes are not kept.
    """
    if _issued_meanwhile(session, letter):
        return letter
    digest = storage.sha256_hex(pdf)
    stored = _save_letter_pdf(pdf, digest)
    letter_workflow.fire(
        session, letter, "issue", actor,
        values={"sha256": digest, "size": len(pdf), "stored_name": stored, "failure": None},
        data={"folio": letter.folio, "kind": letter.kind.value, "sha256": digest},
    )
    notifications.letter_issued(session, letter)
    return letter


def record_failure(session: Session, letter: Letter, reason: str, actor: User | None) -> None:
    """Note why a letter could not be rendered; a later run tries again."""
    if _issued_meanwhile(session, letter):
        return
    letter_workflow.fire(
        session, letter, "fail", actor, reason=reason[:2000], values={"failure": reason[:2000]}
    )


def _issued_meanwhile(session: Session, letter: Letter) -> bool:
    """Lock the letter's row, reload it and say whether it is issued already."""
    session.flush()
    session.refresh(letter, with_for_update=True)
    return letter.state == LetterState.ISSUED


def _save_letter_pdf(pdf: bytes, digest: str) -> str:
    """Store a letter's PDF under a name made of its SHA-256.

    Rendering is deterministic, so a letter rendered again after a run died between writing
    its file and committing lands on the same file instead of leaving a second copy.
    """
    name = f"letters/{digest}.pdf"
    if not storage.path_of(name).exists():
        os.replace(storage.path_of(storage.save_bytes("letters", pdf)), storage.path_of(name))
    return name


def owed_letters(session: Session, call: Call) -> list[tuple[Proposal, Letter | None]]:
    """Decided proposals of the call whose letter is not issued yet, by reference."""
    rows = session.execute(
        sa.select(Proposal, Letter)
        .outerjoin(Letter, Letter.proposal_id == Proposal.id)
        .where(
            Proposal.call_id == call.id,
            Proposal.state.in_(DECIDED),
            sa.or_(Letter.id.is_(None), Letter.state != LetterState.ISSUED),
        )
        .order_by(Proposal.number)
        .options(
            joinedload(Proposal.institution), joinedload(Proposal.sector),
            joinedload(Proposal.call),
        )
    ).all()
    return [(proposal, letter) for proposal, letter in rows]


def verify_letter(session: Session, code: str) -> Letter:
    """The issued letter with that verification code, else NotFound."""
    letter = session.scalars(
        sa.select(Letter)
        .where(Letter.verification_code == normalise_code(code)[:32],
               Letter.state == LetterState.ISSUED)
        .options(joinedload(Letter.proposal).joinedload(Proposal.institution))
    ).first()
    if letter is None:
        raise NotFound("No letter has that verification code.")
    return letter
