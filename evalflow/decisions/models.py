"""Funding decisions and the letters that announce them."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evalflow.auth.models import User
from evalflow.calls.models import state_enum
from evalflow.database import Money, UTCDateTime, utcnow
from evalflow.extensions import db
from evalflow.proposals.models import Proposal


class DecisionKind(enum.StrEnum):
    AWARD = "award"
    DECLINE = "decline"


class LetterState(enum.StrEnum):
    PENDING = "pending"  # folio and code reserved, PDF not rendered yet
    ISSUED = "issued"
    FAILED = "failed"


class FundingDecision(db.Model):
    """The officer's award or decline of a reviewed proposal. One per proposal."""

    __tablename__ = "funding_decisions"
    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'award' AND amount IS NOT NULL AND amount > 0)"
            " OR (kind = 'decline' AND amount IS NULL AND reason IS NOT NULL AND reason <> '')",
            name="award_amount_decline_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), unique=True
    )
    kind: Mapped[DecisionKind] = mapped_column(state_enum(DecisionKind))
    amount: Mapped[Decimal | None] = mapped_column(Money())
    reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proposal: Mapped[Proposal] = relationship()


class Letter(db.Model):
    """An award or decline letter: its folio, verification code and the PDF's fingerprint."""

    __tablename__ = "letters"
    __table_args__ = (
        sa.UniqueConstraint("proposal_id"),
        sa.UniqueConstraint("call_id", "folio"),
        sa.CheckConstraint(
            "state <> 'issued' OR (sha256 IS NOT NULL AND stored_name IS NOT NULL)",
            name="issued_has_file",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"))
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DecisionKind] = mapped_column(state_enum(DecisionKind))
    state: Mapped[LetterState] = mapped_column(
        state_enum(LetterState), default=LetterState.PENDING
    )
    folio: Mapped[str] = mapped_column(sa.String(60))
    verification_code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    size: Mapped[int | None]
    stored_name: Mapped[str | None] = mapped_column(sa.String(100))
    failure: Mapped[str | None] = mapped_column(sa.Text)
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    proposal: Mapped[Proposal] = relationship()


class BatchState(enum.StrEnum):
    QUEUED = "queued"  # waiting for a worker
    RUNNING = "running"
    FINISHED = "finished"  # every owed letter tried (some may have failed)
    FAILED = "failed"  # the run stopped, or was given up as stale; a new batch resumes


LIVE_BATCH_STATES = (BatchState.QUEUED, BatchState.RUNNING)
_LIVE = "state IN ('queued', 'running')"


class LetterBatch(db.Model):
    """One run issuing every letter a decided call owes, in the background, and its progress.

    The counts are written in the same transaction as each chunk of letters, so they never
    run ahead of what is stored. `heartbeat_at` moves with them: a live batch whose heartbeat
    is old has lost its worker. At most one batch per call is live (queued or running).
    """

    __tablename__ = "letter_batches"
    __table_args__ = (
        sa.CheckConstraint("issued >= 0 AND failed >= 0 AND issued + failed <= owed",
                           name="counts_within_owed"),
        sa.CheckConstraint("state NOT IN ('running', 'finished') OR started_at IS NOT NULL",
                           name="started"),
        sa.CheckConstraint(
            "(state IN ('finished', 'failed')) = (finished_at IS NOT NULL)", name="finished"
        ),
        sa.Index("ix_letter_batches_one_live_per_call", "call_id", unique=True,
                 sqlite_where=sa.text(_LIVE), postgresql_where=sa.text(_LIVE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    state: Mapped[BatchState] = mapped_column(state_enum(BatchState), default=BatchState.QUEUED)
    owed: Mapped[int] = mapped_column(default=0)
    issued: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    requested_by: Mapped[User | None] = relationship()
