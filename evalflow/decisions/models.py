"""Funding decisions and the letters that announce them."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
