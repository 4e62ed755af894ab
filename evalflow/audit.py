"""The audit trail: an append-only, hash-chained record of everything that changes a decision.

Each event is written in the same transaction as the change it records. Its hash covers its
own content and the previous event's hash, so altering or deleting any record afterwards
breaks the chain at that point, and `verify_chain` names it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from evalflow.database import UTCDateTime, utcnow
from evalflow.extensions import db

GENESIS_HASH = "0" * 64
_PENDING = "evalflow_audit_pending"


class AuditEvent(db.Model):
    """One recorded change: who, when, what, from which state to which, and why."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(80))
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[int | None]
    call_id: Mapped[int | None] = mapped_column(index=True)
    proposal_id: Mapped[int | None] = mapped_column(index=True)
    from_state: Mapped[str | None] = mapped_column(sa.String(20))
    to_state: Mapped[str | None] = mapped_column(sa.String(20))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[str] = mapped_column(sa.Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    def payload(self) -> dict[str, Any]:
        """The fields the hash covers, in a canonical form."""
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor": self.actor,
            "action": self.action,
            "entity_type": self.entity_type,
            "entity_id": self.entity_id,
            "call_id": self.call_id,
            "proposal_id": self.proposal_id,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "reason": self.reason,
            "data": self.data,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        """SHA-256 of the canonical payload."""
        text = json.dumps(self.payload(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AuditHead(db.Model):
    """The chain's tip: one row, locked while events are appended, so the chain never forks
    and deleting the newest events is detected too."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64), default=GENESIS_HASH)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot record {type(value).__name__} in the audit trail")


def record(
    session: Session,
    *,
    actor: Any,
    action: str,
    entity_type: str,
    entity_id: int | None,
    call_id: int | None = None,
    proposal_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Queue an audit event; it is chained and written just before the transaction commits.

    Appending at commit time takes the chain's lock last, after every row lock the change
    itself took, so concurrent changes cannot deadlock on it.
    """
    session.info.setdefault(_PENDING, []).append(
        {
            # Hashed as stored: the database hands times back in UTC.
            "occurred_at": (at or utcnow()).astimezone(UTC),
            "actor_id": getattr(actor, "id", None),
            "actor": getattr(actor, "email", None) or "system",
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "call_id": call_id,
            "proposal_id": proposal_id,
            "from_state": from_state,
            "to_state": to_state,
            "reason": reason,
            "data": json.dumps(
                data or {}, sort_keys=True, ensure_ascii=False, default=_json_default
            ),
        }
    )


def _locked_head(session: Session) -> AuditHead:
    head = session.scalars(sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        try:
            with session.begin_nested():
                session.add(AuditHead(id=1, last_seq=0, last_hash=GENESIS_HASH))
        except IntegrityError:
            pass  # another transaction created it first
        head = session.scalars(
            sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()
        ).one()
    return head


@event.listens_for(Session, "before_commit")
def _append_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    # PostgreSQL: the row lock on the head serialises appenders (READ COMMITTED re-reads the
    # head after the lock is granted). SQLite: writers already hold the database write lock.
    head = _locked_head(session)
    for fields in pending:
        entry = AuditEvent(seq=head.last_seq + 1, prev_hash=head.last_hash, **fields)
        entry.hash = entry.compute_hash()
        session.add(entry)
        head.last_seq, head.last_hash = entry.seq, entry.hash
    session.flush()


@event.listens_for(Session, "after_soft_rollback")
def _discard_pending(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)


# What an applicant may read of its proposal's trail: never assignments, conflicts or reviews,
# which would reveal who reviewed it; of its letter, only that it was issued (a rendering
# failure is the agency's to fix, and its reason is technical).
APPLICANT_VISIBLE = ("proposal", "document")
APPLICANT_VISIBLE_ACTIONS = ("letter.issue",)


def proposal_history(session: Session, proposal_id: int, *, internal: bool) -> list[AuditEvent]:
    """A proposal's trail in order; without `internal`, only what its applicant may see."""
    query = sa.select(AuditEvent).where(AuditEvent.proposal_id == proposal_id)
    if not internal:
        query = query.where(sa.or_(AuditEvent.entity_type.in_(APPLICANT_VISIBLE),
                                   AuditEvent.action.in_(APPLICANT_VISIBLE_ACTIONS)))
    return list(session.scalars(query.order_by(AuditEvent.seq)))


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the whole trail."""

    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str | None = None


def _events(session: Session) -> Iterator[AuditEvent]:
    yield from session.scalars(
        sa.select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000)
    )


def verify_chain(session: Session) -> ChainReport:
    """Walk the trail from the first event; report the first record altered, removed or out of
    place."""
    expected_prev, expected_seq, count = GENESIS_HASH, 1, 0
    for entry in _events(session):
        if entry.seq != expected_seq:
            return ChainReport(
                False, count, expected_seq, f"event {expected_seq} is missing (found {entry.seq})"
            )
        if entry.prev_hash != expected_prev:
            return ChainReport(False, count, entry.seq, "does not follow the previous event")
        if entry.compute_hash() != entry.hash:
            return ChainReport(False, count, entry.seq, "its content was altered")
        expected_prev, expected_seq, count = entry.hash, expected_seq + 1, count + 1
    head = session.get(AuditHead, 1)
    last_seq = head.last_seq if head else 0
    if last_seq != count or (head and head.last_hash != expected_prev):
        return ChainReport(
            False, count, count + 1, f"the trail ends at {count} but {last_seq} were written"
        )
    return ChainReport(True, count)
