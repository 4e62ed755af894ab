"""Eligibility screening of submitted proposals.

Officers go through the submitted proposals of a call, answer its checklist and approve or
reject each one with a reason; `screen_proposal` owns the decision and its rules.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from evalflow import storage
from evalflow.auth.access import officer_required
from evalflow.calls.models import Call, CallState
from evalflow.errors import DomainError, NotFound
from evalflow.extensions import db
from evalflow.i18n import state_label
from evalflow.proposals import rules
from evalflow.proposals.access import visible_proposal
from evalflow.proposals.models import EligibilityDecision, Proposal, ProposalState
from evalflow.proposals.services import get_document, screen_proposal

screening = Blueprint("screening", __name__, url_prefix="/officer/screening")

YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]
MESSAGES = {
    "A reason is required.": _l("Give the reason for rejecting the proposal."),
}




def _translate(message: str) -> str:
    return str(MESSAGES.get(message, message))


@screening.errorhandler(DomainError)
def _refused(error: DomainError) -> Response:
    # The app-wide handler answers JSON for the API; these pages answer HTML.
    db.session.rollback()
    if isinstance(error, NotFound):
        abort(404)
    flash(_translate(error.message), "error")
    return redirect(url_for("screening.queue"))


class ScreeningForm(FlaskForm):
    """The decision; one yes/no field per requirement is added for each call."""

    decision = RadioField(
        _l("Decision"), validators=[InputRequired(_l("Choose to approve or to reject."))],
        choices=[SelectChoice("approve", _l("Eligible: approve")),
                 SelectChoice("reject", _l("Not eligible: reject"))],
    )
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=4000)],
                           render_kw={"rows": 4})

    def validate_reason(self, field: TextAreaField) -> None:
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError(_("Give the reason for rejecting the proposal."))


class BulkForm(FlaskForm):
    """Only the CSRF token: the selected proposals come as a list of ids."""


def _form_for(call: Call) -> ScreeningForm:
    """The screening form with a yes/no question per requirement of the call's checklist."""

    class CallScreeningForm(ScreeningForm):
        pass

    for requirement in call.eligibility_criteria:
        setattr(CallScreeningForm, f"answer_{requirement.id}", RadioField(
            requirement.text, choices=YES_NO,
            validators=[InputRequired(_l("Answer yes or no."))],
        ))
    return CallScreeningForm()


# --- the queue ----------------------------------------------------------------------------


def _progress() -> dict[int, tuple[int, int]]:
    """Per call: (screened, received for screening), in one grouped query."""
    decided = sa.exists().where(EligibilityDecision.proposal_id == Proposal.id)
    rows = db.session.execute(
        sa.select(
            Proposal.call_id,
            sa.func.sum(sa.case((decided, 1), else_=0)),
            sa.func.sum(sa.case((sa.or_(decided, Proposal.state == ProposalState.SUBMITTED),
                                 1), else_=0)),
        ).group_by(Proposal.call_id)
    ).all()
    return {call_id: (screened or 0, total or 0) for call_id, screened, total in rows}


@screening.get("/")
@officer_required
def queue() -> str:
    """Per call, the submitted proposals still to screen and how far screening has come."""
    progress = _progress()
    calls = db.session.scalars(
        sa.select(Call).where(sa.or_(Call.id.in_(list(progress)),
                                     Call.state == CallState.OPEN))
        .order_by(Call.closes_at.desc(), Call.id.desc())
    ).all()
    waiting = db.session.scalars(
        sa.select(Proposal)
        .where(Proposal.state == ProposalState.SUBMITTED)
        .order_by(Proposal.call_id, Proposal.number)
        .options(joinedload(Proposal.institution), joinedload(Proposal.sector))
    ).all()
    by_call: dict[int, list[Proposal]] = {}
    for proposal in waiting:
        by_call.setdefault(proposal.call_id, []).append(proposal)
    return render_template("screening/queue.html", calls=calls, progress=progress,
                           by_call=by_call, form=BulkForm())


@screening.post("/approve")
@officer_required
def bulk() -> Response:
    """Approve the selected proposals, each through the one screening service, all at once."""
    form = BulkForm()
    if not form.validate_on_submit():
        abort(400)
    ids = {int(v) for v in request.form.getlist("proposal") if v.isdigit()}
    if not ids:
        flash(_("Select at least one proposal to approve."), "error")
        return redirect(url_for("screening.queue"))
    proposals = db.session.scalars(
        sa.select(Proposal).where(Proposal.id.in_(ids)).order_by(Proposal.id)
    ).all()
    if len(proposals) != len(ids):
        abort(404)
    actor = current_user._get_current_object()
    try:
        for proposal in proposals:
            screen_proposal(db.session, proposal, actor, eligible=True)
    except DomainError as error:
        db.session.rollback()
        flash(_("Nothing was approved: %(reference)s cannot be approved (%(reason)s).",
                reference=proposal.reference, reason=_translate(error.message)), "error")
        return redirect(url_for("screening.queue"))
    db.session.commit()
    flash(ngettext("%(num)s proposal approved as eligible.",
                   "%(num)s proposals approved as eligible.", len(proposals)), "info")
    return redirect(url_for("screening.queue"))


# --- one proposal -------------------------------------------------------------------------


def _load(proposal_id: int) -> Proposal:
    try:
        proposal = visible_proposal(db.session, proposal_id, current_user)
    except NotFound:
        abort(404)
    if proposal.state == ProposalState.DRAFT:
        abort(404)  # not submitted: not the agency's to see yet
    return proposal


@screening.route("/proposals/<int:proposal_id>", methods=["GET", "POST"])
@officer_required
def proposal(proposal_id: int) -> str | Response:
    """The proposal, its documents and the call's checklist; approve or reject with a reason."""
    found = _load(proposal_id)
    call = db.session.scalars(
        sa.select(Call).where(Call.id == found.call_id)
        .options(selectinload(Call.eligibility_criteria))
    ).one()
    decision = db.session.scalars(
        sa.select(EligibilityDecision).where(EligibilityDecision.proposal_id == found.id)
    ).first()
    form = _form_for(call)
    status = 200
    if found.state == ProposalState.SUBMITTED and request.method == "POST":
        if form.validate_on_submit():
            answers = {r.code: form[f"answer_{r.id}"].data == "yes"
                       for r in call.eligibility_criteria}
            eligible = form.decision.data == "approve"
            try:
                screen_proposal(db.session, found, current_user._get_current_object(),
                                eligible=eligible, reason=form.reason.data or None,
                                answers=answers)
            except DomainError as error:
                db.session.rollback()
                target = form.reason if "reason" in (error.fields or {}) else form.decision
                target.errors = [*target.errors, _translate(error.message)]
                found = _load(proposal_id)
                status = 422
            else:
                db.session.commit()
                flash(_("%(reference)s is now: %(state)s.", reference=found.reference,
                        state=state_label(found.state.value)), "info")
                return redirect(url_for("screening.queue"))
        else:
            status = 422
    elif request.method == "POST":
        flash(_("This proposal has already been screened."), "error")
        return redirect(url_for("screening.proposal", proposal_id=proposal_id))
    requirements = [(r, form[f"answer_{r.id}"]) for r in call.eligibility_criteria]
    return render_template(
        "screening/proposal.html", proposal=found, call=call, form=form, decision=decision,
        requirements=requirements, total=rules.budget_total(found.budget_lines),
    ), status


@screening.get("/proposals/<int:proposal_id>/documents/<int:document_id>")
@officer_required
def document(proposal_id: int, document_id: int) -> Response:
    """Open one of the proposal's PDFs in the browser."""
    found = _load(proposal_id)
    try:
        stored = get_document(db.session, found, document_id)
    except NotFound:
        abort(404)
    return send_file(storage.path_of(stored.stored_name), mimetype="application/pdf",
                     download_name=stored.filename, as_attachment=False)
