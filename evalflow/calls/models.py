"""Calls for proposals with their sectors, eligibility checklist and scoring rubric."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evalflow.database import Money, UTCDateTime, utcnow
from evalflow.extensions import db


class CallState(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    DECIDED = "decided"


def state_enum(enum_cls: type[enum.Enum]) -> sa.Enum:
    """A state column stored as its plain string value (no native enum type to migrate)."""
    return sa.Enum(
        enum_cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
    )


class Call(db.Model):
    """A competitive call: its rules, its money and its lifecycle."""

    __tablename__ = "calls"
    __table_args__ = (
        sa.CheckConstraint("closes_at > opens_at", name="dates_ordered"),
        sa.CheckConstraint("max_award > 0", name="max_award_positive"),
        sa.CheckConstraint("total_budget > 0", name="budget_positive"),
        # The committed total is the budget guard's single source of truth.
        sa.CheckConstraint(
            "awarded_total >= 0 AND awarded_total <= total_budget", name="awarded_within_budget"
        ),
        sa.CheckConstraint("reviewers_per_proposal >= 1", name="reviewers_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="es")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/Mexico_City")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    currency: Mapped[str] = mapped_column(sa.String(3), default="MXN")
    max_award: Mapped[Decimal] = mapped_column(Money())
    total_budget: Mapped[Decimal] = mapped_column(Money())
    awarded_total: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    reviewers_per_proposal: Mapped[int] = mapped_column(default=3)
    review_days: Mapped[int] = mapped_column(default=21)
    state: Mapped[CallState] = mapped_column(state_enum(CallState), default=CallState.DRAFT)
    # Counters handed out by an atomic UPDATE so references and folios never collide.
    last_proposal_number: Mapped[int] = mapped_column(default=0)
    last_letter_number: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sectors: Mapped[list[Sector]] = relationship(
        back_populates="call", order_by="Sector.position", cascade="all, delete-orphan"
    )
    eligibility_criteria: Mapped[list[EligibilityCriterion]] = relationship(
        back_populates="call", order_by="EligibilityCriterion.position",
        cascade="all, delete-orphan",
    )
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="call", order_by="Criterion.position", cascade="all, delete-orphan"
    )


class Sector(db.Model):
    """A strategic sector a proposal belongs to."""

    __tablename__ = "sectors"
    __table_args__ = (sa.UniqueConstraint("call_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column(default=0)

    call: Mapped[Call] = relationship(back_populates="sectors")


class EligibilityCriterion(db.Model):
    """One requirement of the call's eligibility checklist."""

    __tablename__ = "eligibility_criteria"
    __table_args__ = (sa.UniqueConstraint("call_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(default=0)

    call: Mapped[Call] = relationship(back_populates="eligibility_criteria")


class Criterion(db.Model):
    """A scoring criterion of the call's rubric."""

    __tablename__ = "criteria"
    __table_args__ = (
        sa.UniqueConstraint("call_id", "code"),
        sa.CheckConstraint("weight > 0", name="weight_positive"),
        sa.CheckConstraint("max_score > min_score", name="scale_ordered"),
        sa.CheckConstraint(
            "threshold IS NULL OR (threshold >= min_score AND threshold <= max_score)",
            name="threshold_in_scale",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(300))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(8, 4))
    min_score: Mapped[Decimal] = mapped_column(sa.Numeric(8, 2))
    max_score: Mapped[Decimal] = mapped_column(sa.Numeric(8, 2))
    threshold: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))
    position: Mapped[int] = mapped_column(default=0)

    call: Mapped[Call] = relationship(back_populates="criteria")
