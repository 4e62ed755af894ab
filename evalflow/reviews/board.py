"""The assignment board: proposals × reviewers, automatic and manual assignment, reminders.

Thin views for program officers over `evalflow.reviews.assignments`. The board loads the call's
proposals, their assignments and the reviewers in a fixed number of queries, however many
proposals there are. Domain errors become messages on the page, never JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from evalflow import notifications
from evalflow.auth.access import officer_required
from evalflow.auth.models import Role, User
from evalflow.calls.models import Call, Sector
from evalflow.calls.services import get_call
from evalflow.database import utcnow
from evalflow.errors import DomainError, NotFound
from evalflow.extensions import db
from evalflow.paging import Page, requested_page
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.reviews.assignments import (
    ASSIGNABLE,
    assign_reviewer,
    auto_assign,
    remove_assignment,
)
from evalflow.reviews.forms import translate
from evalflow.reviews.models import AssignmentState, ReviewAssignment, ReviewState

board = Blueprint("board", __name__, url_prefix="/officer/assignments")

ON_BOARD = (ProposalState.ELIGIBLE, ProposalState.UNDER_REVIEW, ProposalState.REVIEWED)




def _me() -> User:
    return current_user._get_current_object()


def _call(code: str) -> Call:
    try:
        return get_call(db.session, code)
    except NotFound:
        abort(404)


def _message(error: DomainError) -> str:
    text = translate(error.message)
    if error.fields:
        text += " " + " ".join(translate(m) for m in error.fields.values())
    return text


def is_late(assignment: ReviewAssignment, now: datetime) -> bool:
    """Due date passed and no submitted review (a declared conflict is never late)."""
    if assignment.state == AssignmentState.CONFLICTED or assignment.due_at is None:
        return False
    submitted = assignment.review is not None and assignment.review.state == ReviewState.SUBMITTED
    return not submitted and assignment.due_at < now


@dataclass
class ReviewerColumn:
    reviewer: User
    load: int = 0
    sectors: set[str] = field(default_factory=set)
    late: list[ReviewAssignment] = field(default_factory=list)
    conflicts: int = 0


@dataclass
class Board:
    proposals: list[Proposal]
    reviewers: list[ReviewerColumn]
    cells: dict[tuple[int, int], ReviewAssignment]
    late: list[ReviewerColumn]
    page: Page


# A page of the board holds this many proposals: each row has a cell per reviewer.
PER_PAGE = 50


def load_board(call: Call, now: datetime, page: Page | None = None) -> Board:
    """A page of the call's proposals, and every reviewer's load, sectors, conflicts and
    late reviews over the whole call, in four queries."""
    page = page or Page(1, PER_PAGE)
    on_board = (Proposal.call_id == call.id, Proposal.state.in_(ON_BOARD))
    total = db.session.scalar(sa.select(sa.func.count(Proposal.id)).where(*on_board)) or 0
    proposals = list(db.session.scalars(
        sa.select(Proposal)
        .where(*on_board)
        .order_by(Proposal.number)
        .offset(page.offset).limit(page.size)
        .options(joinedload(Proposal.institution), joinedload(Proposal.sector))
    ))
    assignments = db.session.execute(
        sa.select(ReviewAssignment, Sector.code)
        .join(Proposal, Proposal.id == ReviewAssignment.proposal_id)
        .outerjoin(Sector, Sector.id == Proposal.sector_id)
        .where(Proposal.call_id == call.id)
        .options(joinedload(ReviewAssignment.review))
    ).all()
    reviewers = list(db.session.scalars(
        sa.select(User).where(User.role == Role.REVIEWER, User.active.is_(True))
        .order_by(User.name, User.id)
    ))
    columns = {r.id: ReviewerColumn(r) for r in reviewers}
    shown = {p.id for p in proposals}
    cells: dict[tuple[int, int], ReviewAssignment] = {}
    for a, sector in assignments:
        if a.proposal_id in shown:
            cells[(a.proposal_id, a.reviewer_id)] = a
        column = columns.get(a.reviewer_id)
        if column is None:
            continue
        if a.state == AssignmentState.CONFLICTED:
            column.conflicts += 1
            continue
        column.load += 1
        if sector is not None:
            column.sectors.add(sector)
        if is_late(a, now):
            column.late.append(a)
    ordered = list(columns.values())
    return Board(proposals, ordered, cells, [c for c in ordered if c.late], page.of(total))


@board.get("/<code>", endpoint="call")
@officer_required
def call_board(code: str):
    """Proposals × reviewers: who is assigned, conflicted, late; the reviewers' loads."""
    call = _call(code)
    now = utcnow()
    board_page = load_board(call, now, requested_page(PER_PAGE))
    return render_template("board/call.html", call=call, board=board_page, now=now,
                           assignable=ASSIGNABLE,
                           AssignmentState=AssignmentState, ReviewState=ReviewState,
                           is_late=is_late)


def _back(call: Call):
    """Back to the board, on the page the officer acted from."""
    page = request.form.get("page", type=int)
    return redirect(url_for("board.call", code=call.code, page=page if page and page > 1 else None))


@board.post("/<code>/auto")
@officer_required
def auto(code: str):
    """Give every eligible or under-review proposal the call's number of reviewers."""
    call = _call(code)
    try:
        created = auto_assign(db.session, call, _me())
    except DomainError as error:
        db.session.rollback()
        flash(_message(error), "error")
        return _back(call)
    db.session.commit()
    flash(_("%(count)s assignments created.", count=created), "success")
    return _back(call)


@board.post("/<code>/proposals/<int:proposal_id>/reviewers")
@officer_required
def add(code: str, proposal_id: int):
    """Assign one reviewer to one proposal by hand."""
    call = _call(code)
    proposal = db.session.get(Proposal, proposal_id)
    reviewer = db.session.get(User, request.form.get("reviewer_id", type=int) or 0)
    if proposal is None or proposal.call_id != call.id:
        abort(404)
    if reviewer is None:
        flash(_("Choose a reviewer."), "error")
        return _back(call)
    try:
        assign_reviewer(db.session, proposal, reviewer, _me())
    except DomainError as error:
        db.session.rollback()
        flash(_message(error), "error")
        return _back(call)
    db.session.commit()
    flash(_("%(name)s is assigned to %(reference)s.", name=reviewer.name,
            reference=proposal.reference), "success")
    return _back(call)


@board.post("/<code>/assignments/<int:assignment_id>/remove")
@officer_required
def remove(code: str, assignment_id: int):
    """Take a reviewer off a proposal, while no review of theirs is submitted."""
    call = _call(code)
    assignment = db.session.get(ReviewAssignment, assignment_id)
    if assignment is None or assignment.proposal.call_id != call.id:
        abort(404)
    name, reference = assignment.reviewer.name, assignment.proposal.reference
    try:
        remove_assignment(db.session, assignment, _me())
    except DomainError as error:
        db.session.rollback()
        flash(_message(error), "error")
        return _back(call)
    db.session.commit()
    flash(_("%(name)s no longer reviews %(reference)s.", name=name, reference=reference),
          "success")
    return _back(call)


@board.post("/<code>/remind")
@officer_required
def remind(code: str):
    """Mail each late reviewer once, in their language, listing their late proposals."""
    call = _call(code)
    late = load_board(call, utcnow()).late
    for column in late:
        notifications.reviews_late(call, column.reviewer, column.late)
    db.session.commit()  # the reminders leave once this commits
    flash(_("%(count)s reminders sent.", count=len(late)) if late
          else _("No reviewer is late."), "success" if late else "info")
    return _back(call)
