"""Reviewer assignments, conflict declarations, reviews and their per-criterion scores."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evalflow.auth.models import User
from evalflow.calls.models import Criterion, state_enum
from evalflow.database import UTCDateTime, utcnow
from evalflow.extensions import db
from evalflow.proposals.models import Proposal


class AssignmentState(enum.StrEnum):
    PENDING = "pending"  # conflict of interest not declared yet
    ACCEPTED = "accepted"  # declared free of conflict
    CONFLICTED = "conflicted"  # declared a conflict: the proposal is gone from their view


class ReviewState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class ReviewAssignment(db.Model):
    """A reviewer asked to score a proposal. One per (proposal, reviewer)."""

    __tablename__ = "review_assignments"
    __table_args__ = (
        sa.UniqueConstraint("proposal_id", "reviewer_id"),
        sa.CheckConstraint(
            "state <> 'conflicted' OR (conflict_reason IS NOT NULL AND conflict_reason <> '')",
            name="conflict_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposals.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    state: Mapped[AssignmentState] = mapped_column(
        state_enum(AssignmentState), default=AssignmentState.PENDING
    )
    conflict_reason: Mapped[str | None] = mapped_column(sa.Text)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    proposal: Mapped[Proposal] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    review: Mapped[Review | None] = relationship(
        back_populates="assignment", cascade="all, delete-orphan"
    )

    @property
    def has_conflict(self) -> bool | None:
        """True after a declared conflict, False after declaring none, None until declared."""
        if self.state == AssignmentState.PENDING:
            return None
        return self.state == AssignmentState.CONFLICTED


class Review(db.Model):
    """A reviewer's scores and comments for one assignment; final once submitted."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.CheckConstraint(
            "(state = 'submitted') = (submitted_at IS NOT NULL)", name="submitted_has_time"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("review_assignments.id", ondelete="CASCADE"), unique=True
    )
    # Denormalised from the assignment so rankings aggregate without a join per row.
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[ReviewState] = mapped_column(state_enum(ReviewState), default=ReviewState.DRAFT)
    comment_to_applicant: Mapped[str] = mapped_column(sa.Text, default="")
    comment_to_committee: Mapped[str] = mapped_column(sa.Text, default="")
    # The weighted score of this review, fixed when it is submitted.
    total: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    assignment: Mapped[ReviewAssignment] = relationship(back_populates="review")
    scores: Mapped[list[ReviewScore]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewScore.criterion_id"
    )


class ReviewScore(db.Model):
    """One criterion's score within a review."""

    __tablename__ = "review_scores"
    __table_args__ = (sa.UniqueConstraint("review_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("reviews.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("criteria.id", ondelete="RESTRICT"), index=True
    )
    value: Mapped[Decimal] = mapped_column(sa.Numeric(8, 2))

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()
