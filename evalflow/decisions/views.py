"""Ranking, funding decisions within the budget, and letters.

Thin views for program officers over `evalflow.reports.services.ranking`,
`evalflow.decisions.services` and `evalflow.decisions.issuing`. Domain errors become messages
on the page (the app-wide handler answers JSON, for the API).
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from evalflow.auth.access import officer_required
from evalflow.auth.models import User
from evalflow.calls.models import Call
from evalflow.calls.services import get_call
from evalflow.decisions.batches import (
    BatchRunning,
    NothingOwed,
    batch_progress,
    count_owed_letters,
    latest_batch,
    start_letter_batch,
)
from evalflow.decisions.funding_line import funding_line
from evalflow.decisions.models import Letter, LetterState
from evalflow.decisions.services import decline_proposal, fund_proposal
from evalflow.errors import BudgetExceeded, DomainError, InvalidTransition, NotFound, OverCap
from evalflow.extensions import db
from evalflow.paging import requested_page
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.reports.services import RankedProposal, ranking
from evalflow.reviews.forms import translate
from evalflow.reviews.services import review_scores, submitted_reviews
from evalflow.storage import path_of
from evalflow.validation import local_path

funding = Blueprint("funding", __name__, url_prefix="/officer/funding")





class FundForm(FlaskForm):
    amount = StringField(_l("Amount"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=4000)])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=4000)])


def _me() -> User:
    return current_user._get_current_object()


def _call(code: str) -> Call:
    try:
        return get_call(db.session, code)
    except NotFound:
        abort(404)


def _proposal(call: Call, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.call_id != call.id:
        abort(404)
    return proposal


def _refusal(error: DomainError) -> str:
    """The refusal as the officer reads it."""
    if isinstance(error, BudgetExceeded):
        return _("The call's budget does not allow it: %(detail)s",
                 detail=translate(error.message))
    if isinstance(error, OverCap):
        return _("The amount is too high: %(detail)s", detail=translate(error.message))
    detail = translate(error.message)
    if error.fields:
        detail += " " + " ".join(translate(m) for m in error.fields.values())
    return detail


# Ranking and funding ---------------------------------------------------------------------------

SPREAD_WARNING = Decimal("2")
# Ranked proposals per page; the funding line and the budget always cover the whole call.
RANKING_PER_PAGE = 100


@funding.get("/<code>", endpoint="ranking")
@officer_required
def ranking_page(code: str):
    """The reviewed proposals best first, the budget bar and the proposed funding line."""
    call = _call(code)
    sector = request.args.get("sector") or None
    page = requested_page(RANKING_PER_PAGE)
    rows, total = ranking(db.session, call, sector=sector, offset=page.offset, limit=page.size)
    awarded = call.awarded_total
    remaining = call.total_budget - awarded
    undecided = ranking(db.session, call)[0]
    to_fund, reserve = funding_line(
        [r for r in undecided if r.state == ProposalState.REVIEWED], remaining, call.max_award
    )
    share = int(awarded * 100 / call.total_budget) if call.total_budget else 0
    return render_template(
        "funding/ranking.html", call=call, rows=rows, total=total, sector=sector,
        page=page.of(total),
        awarded=awarded, remaining=remaining, share=min(share, 100), to_fund=to_fund,
        reserve=reserve, spread_warning=SPREAD_WARNING, fund_form=FundForm(),
        decline_form=DeclineForm(),
    )


@funding.get("/<code>/proposals/<int:proposal_id>")
@officer_required
def proposal(code: str, proposal_id: int):
    """Each submitted review of one proposal side by side."""
    call = _call(code)
    item = _proposal(call, proposal_id)
    reviews = submitted_reviews(db.session, item)
    columns = [{"number": n, "reviewer": r.assignment.reviewer.name, "scores": review_scores(r),
                "total": r.total, "comment_to_applicant": r.comment_to_applicant,
                "comment_to_committee": r.comment_to_committee}
               for n, r in enumerate(reviews, start=1)]
    return render_template("funding/proposal.html", call=call, proposal=item, columns=columns,
                           fund_form=FundForm(amount=item.requested_amount),
                           decline_form=DeclineForm())


def _back(call: Call):
    """Back to the page the form was on (a page of the ranking, a proposal's reviews)."""
    return redirect(local_path(request.form.get("next"))
                    or url_for("funding.ranking", code=call.code))


@funding.post("/<code>/proposals/<int:proposal_id>/fund")
@officer_required
def fund(code: str, proposal_id: int):
    """Award an amount to one reviewed proposal; a refusal is a message on the ranking."""
    call = _call(code)
    item = _proposal(call, proposal_id)
    form = FundForm()
    if not form.validate_on_submit():
        flash(_("Give the amount to award."), "error")
        return _back(call)
    try:
        fund_proposal(db.session, item, _me(), form.amount.data, reason=form.reason.data or None)
    except DomainError as error:
        db.session.rollback()
        flash(_refusal(error), "error")
        return _back(call)
    db.session.commit()
    flash(_("%(reference)s is funded.", reference=item.reference), "success")
    return _back(call)


@funding.post("/<code>/proposals/<int:proposal_id>/decline")
@officer_required
def decline(code: str, proposal_id: int):
    """Decline one reviewed proposal with the reason the applicant will read."""
    call = _call(code)
    item = _proposal(call, proposal_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for declining."), "error")
        return _back(call)
    try:
        decline_proposal(db.session, item, _me(), form.reason.data)
    except DomainError as error:
        db.session.rollback()
        flash(_refusal(error), "error")
        return _back(call)
    db.session.commit()
    flash(_("%(reference)s is declined.", reference=item.reference), "success")
    return _back(call)


@funding.post("/<code>/line")
@officer_required
def confirm_line(code: str):
    """Fund every proposal above the proposed line, at the amounts given, in one transaction:
    if any is refused, none is funded."""
    call = _call(code)
    rows, _total = ranking(db.session, call)
    to_fund, _reserve = funding_line(
        [r for r in rows if r.state == ProposalState.REVIEWED],
        call.total_budget - call.awarded_total, call.max_award,
    )
    if not to_fund:
        flash(_("No proposal lies above the funding line."), "error")
        return redirect(url_for("funding.ranking", code=call.code))
    ids = [p.item.proposal_id for p in to_fund]
    proposals = {p.id: p for p in db.session.scalars(
        sa.select(Proposal).where(Proposal.id.in_(ids)).options(joinedload(Proposal.call)))}
    me = _me()
    try:
        for proposed in to_fund:
            row: RankedProposal = proposed.item
            amount = request.form.get(f"amount-{row.proposal_id}") or proposed.amount
            fund_proposal(db.session, proposals[row.proposal_id], me, amount)
    except DomainError as error:
        db.session.rollback()
        flash(_("Nothing was funded. %(reason)s (%(reference)s)", reason=_refusal(error),
                reference=row.reference), "error")
        return redirect(url_for("funding.ranking", code=call.code))
    db.session.commit()
    flash(_("%(count)s proposals funded down the ranking.", count=len(to_fund)), "success")
    return redirect(url_for("funding.ranking", code=call.code))


# Letters ---------------------------------------------------------------------------------------

@funding.get("/<code>/letters")
@officer_required
def letters(code: str):
    """The call's letter batch and its progress, the failed letters with their reasons and
    the issued ones."""
    call = _call(code)
    batch = latest_batch(db.session, call)
    progress = batch_progress(batch) if batch else None
    found = list(db.session.scalars(
        sa.select(Letter)
        .where(Letter.call_id == call.id,
               Letter.state.in_((LetterState.ISSUED, LetterState.FAILED)))
        .order_by(Letter.folio)
        .options(joinedload(Letter.proposal).joinedload(Proposal.institution))
    ))
    issued = [letter for letter in found if letter.state == LetterState.ISSUED]
    failed = [letter for letter in found if letter.state == LetterState.FAILED]
    return render_template(
        "funding/letters.html", call=call, issued=issued, failed=failed, batch=progress,
        owed=count_owed_letters(db.session, call), decided=call.state.value == "decided",
    )


@funding.post("/<code>/letters")
@officer_required
def start_letters(code: str):
    """Start a batch issuing every letter the call owes, in the background."""
    call = _call(code)
    try:
        batch = start_letter_batch(db.session, call, _me())
    except DomainError as error:
        db.session.rollback()
        flash(_batch_refusal(error), "error")
        return redirect(url_for("funding.letters", code=call.code))
    owed = batch.owed
    db.session.commit()  # without Redis the batch runs here, now
    flash(_("A batch of %(count)s letters started.", count=owed), "success")
    return redirect(url_for("funding.letters", code=call.code))


def _batch_refusal(error: DomainError) -> str:
    if isinstance(error, BatchRunning):
        return _("A batch is already issuing this call's letters; let it finish.")
    if isinstance(error, NothingOwed):
        return _("Every letter is issued already.")
    if isinstance(error, InvalidTransition):
        return _("Letters are issued once the call is decided.")
    return _refusal(error)


@funding.get("/<code>/letters/progress")
@officer_required
def letters_progress(code: str):
    """The latest batch's progress as JSON, for the letters page to follow without a reload."""
    call = _call(code)
    batch = latest_batch(db.session, call)
    return jsonify({"call": call.code,
                    "batch": batch_progress(batch).as_json() if batch else None})


@funding.get("/letters/<int:letter_id>.pdf")
@officer_required
def letter_pdf(letter_id: int):
    """The stored PDF of an issued letter, downloaded as a file named after its folio (as the
    institution's copy is)."""
    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.state != LetterState.ISSUED or not letter.stored_name:
        abort(404)
    return send_file(path_of(letter.stored_name), mimetype="application/pdf",
                     download_name=letter.folio.replace("/", "-") + ".pdf", as_attachment=True)
