"""Proposals, their budget lines, documents and eligibility decisions."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evalflow.auth.models import Institution, User
from evalflow.calls.models import Call, Sector, state_enum
from evalflow.database import Money, UTCDateTime, utcnow
from evalflow.extensions import db


class ProposalState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    UNDER_REVIEW = "under_review"
    REVIEWED = "reviewed"
    FUNDED = "funded"
    NOT_FUNDED = "not_funded"
    WITHDRAWN = "withdrawn"


class Proposal(db.Model):
    """An institution's application to a call."""

    __tablename__ = "proposals"
    __table_args__ = (
        sa.UniqueConstraint("call_id", "number"),
        sa.CheckConstraint(
            "requested_amount IS NULL OR requested_amount > 0", name="requested_positive"
        ),
        # An amount is awarded exactly when the proposal is funded.
        sa.CheckConstraint(
            "(state = 'funded') = (awarded_amount IS NOT NULL)", name="amount_only_when_funded"
        ),
        sa.CheckConstraint(
            "awarded_amount IS NULL OR (awarded_amount > 0 AND awarded_amount <= requested_amount)",
            name="awarded_within_request",
        ),
        sa.CheckConstraint(
            "state = 'draft' OR state = 'withdrawn' OR submitted_at IS NOT NULL",
            name="submitted_has_time",
        ),
        # The standing is fixed when the review completes, and only then.
        sa.CheckConstraint(
            "(state IN ('reviewed', 'funded', 'not_funded')) = (score IS NOT NULL)",
            name="score_once_reviewed",
        ),
        sa.Index("ix_proposals_call_state", "call_id", "state"),
        sa.Index("ix_proposals_call_ranking", "call_id", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("calls.id", ondelete="RESTRICT"))
    institution_id: Mapped[int] = mapped_column(
        sa.ForeignKey("institutions.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    sector_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sectors.id", ondelete="RESTRICT"), index=True
    )
    number: Mapped[int]
    reference: Mapped[str] = mapped_column(sa.String(60), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    work_plan: Mapped[str] = mapped_column(sa.Text, default="")
    requested_amount: Mapped[Decimal | None] = mapped_column(Money())
    awarded_amount: Mapped[Decimal | None] = mapped_column(Money())
    state: Mapped[ProposalState] = mapped_column(
        state_enum(ProposalState), default=ProposalState.DRAFT
    )
    # Standing from the submitted reviews (weighted mean, spread, criteria under threshold),
    # written by complete_review; reviews are final by then.
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    score_spread: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    review_count: Mapped[int | None]
    below_threshold: Mapped[list[str] | None] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    call: Mapped[Call] = relationship()
    institution: Mapped[Institution] = relationship()
    sector: Mapped[Sector | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="proposal", order_by="BudgetLine.position", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(
        back_populates="proposal", order_by="Document.id", cascade="all, delete-orphan"
    )
    eligibility: Mapped[EligibilityDecision | None] = relationship(
        back_populates="proposal", cascade="all, delete-orphan"
    )


class BudgetLine(db.Model):
    """One concept of a proposal's budget."""

    __tablename__ = "budget_lines"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    concept: Mapped[str] = mapped_column(sa.String(300))
    amount: Mapped[Decimal] = mapped_column(Money())
    position: Mapped[int] = mapped_column(default=0)

    proposal: Mapped[Proposal] = relationship(back_populates="budget_lines")


class Document(db.Model):
    """A PDF attached to a proposal; the file lives in the files folder under `stored_name`."""

    __tablename__ = "documents"
    __table_args__ = (sa.CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100), default="application/pdf")
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="documents")


class EligibilityDecision(db.Model):
    """The officer's screening of a submitted proposal: one per proposal, with its reason."""

    __tablename__ = "eligibility_decisions"
    __table_args__ = (
        sa.CheckConstraint(
            "eligible OR (reason IS NOT NULL AND reason <> '')", name="rejection_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), unique=True
    )
    eligible: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    # Answers to the call's checklist, {criterion code: true/false}, when the officer gave them.
    answers: Mapped[dict | None] = mapped_column(sa.JSON)
    decided_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="eligibility")
