"""The institutions' pages: their proposals, drafting, documents, submission and decisions.

Views stay thin: they load what the user may see, hand the user's input to one service, and
turn the service's refusals into messages in the user's language. The rules live in the
services, the workflow guards and `proposals.rules`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from evalflow import storage
from evalflow.audit import proposal_history
from evalflow.auth.models import Role
from evalflow.decisions.issuing import issue_letter_now
from evalflow.decisions.services import letter_for
from evalflow.errors import (
    CallNotOpen,
    DeadlinePassed,
    DomainError,
    FileTooLarge,
    Incomplete,
    InvalidTransition,
    NotFound,
    OverCap,
    UnsupportedFileType,
    ValidationFailed,
)
from evalflow.extensions import db
from evalflow.proposals import rules
from evalflow.proposals.access import visible_proposal
from evalflow.proposals.forms import ConfirmForm, NewProposalForm, ProposalForm, UploadForm
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.proposals.services import (
    add_document,
    create_proposal,
    get_document,
    institution_proposals,
    open_calls,
    remove_document,
    submission_problems,
    submit_proposal,
    update_proposal,
    withdraw_proposal,
)
from evalflow.proposals.workflow import proposal_workflow
from evalflow.reviews.services import comments_for_applicant
from evalflow.startup import writes

applicant = Blueprint("applicant", __name__, url_prefix="/institution")

DECIDED = (ProposalState.FUNDED, ProposalState.NOT_FUNDED)


def applicant_only(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in (else to the sign-in page) and an applicant of an institution (else 403)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_user.role != Role.APPLICANT or current_user.institution_id is None:
            abort(403)
        return view(*args, **kwargs)

    return login_required(wrapper)


def _own(proposal_id: int) -> Proposal:
    """The proposal if it is the institution's; 404 otherwise, so existence never leaks."""
    try:
        return visible_proposal(db.session, proposal_id, current_user)
    except NotFound:
        abort(404)


@applicant.errorhandler(DomainError)
def domain_error(error: DomainError) -> Response:
    """A refusal no view expected: say it on the page, never answer JSON or 500."""
    db.session.rollback()
    if isinstance(error, NotFound):
        abort(404)
    flash(error.message, "error")
    proposal_id = (request.view_args or {}).get("proposal_id")
    if proposal_id is not None:
        return redirect(url_for("applicant.view", proposal_id=proposal_id))
    return redirect(url_for("applicant.home"))


@applicant.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> Response:
    """An upload over the limit is cut off before any view runs (even the CSRF check)."""
    db.session.rollback()
    flash(_upload_message(FileTooLarge("")), "error")
    proposal_id = (request.view_args or {}).get("proposal_id")
    if proposal_id is not None:
        return redirect(url_for("applicant.edit", proposal_id=proposal_id))
    return redirect(url_for("applicant.home"))


@applicant.errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> tuple[str, int]:
    """An expired or missing token: keep what was typed in the draft and ask to save again."""
    db.session.rollback()
    proposal_id = (request.view_args or {}).get("proposal_id")
    message = _("The page had been open too long to accept this. Nothing was changed; "
                "check the page and try again.")
    if (request.endpoint == "applicant.edit" and current_user.is_authenticated
            and current_user.role == Role.APPLICANT):
        proposal = _draft(proposal_id)
        if proposal is not None:
            form = ProposalForm()
            form.set_sectors([(s.code, s.name) for s in proposal.call.sectors])
            flash(_("The page had been open too long, so the draft was not saved. What you "
                    "typed is still here: press Save again."), "error")
            return _edit_page(proposal, form, []), 400
    back = (url_for("applicant.view", proposal_id=proposal_id)
            if proposal_id is not None else url_for("applicant.home"))
    return render_template("applicant/refused.html", message=message, back=back), 400


def _upload_message(error: DomainError) -> str:
    limit = current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
    if isinstance(error, FileTooLarge):
        return _("The file is too large: at most %(limit)s MiB are accepted.", limit=limit)
    if isinstance(error, UnsupportedFileType):
        return _("Only PDF documents are accepted, and this file is not a PDF.")
    if isinstance(error, ValidationFailed):
        return _("The file is empty.")
    return error.message


def problem_messages(proposal: Proposal, problems: list[DomainError]) -> list[str]:
    """The reasons a proposal cannot be submitted, in plain words and the user's language."""
    call = proposal.call
    messages: list[str] = []
    for problem in problems:
        if isinstance(problem, DeadlinePassed):
            messages.append(_("The deadline has passed: the call closed on %(deadline)s.",
                              deadline=current_app.jinja_env.filters["when"](
                                  call.closes_at, call.timezone)))
        elif isinstance(problem, CallNotOpen):
            messages.append(_("The call is not open for submissions."))
        elif isinstance(problem, OverCap):
            messages.append(_("The requested amount is above the call's cap of %(cap)s.",
                              cap=current_app.jinja_env.filters["money"](
                                  call.max_award, call.currency)))
        elif isinstance(problem, Incomplete):
            messages.extend(_missing_message(proposal, field) for field in problem.fields or {})
        else:
            messages.append(problem.message)
    return messages


def _missing_message(proposal: Proposal, field: str) -> str:
    money = current_app.jinja_env.filters["money"]
    currency = proposal.call.currency
    if field == "budget_lines" and proposal.budget_lines:
        return _("The budget does not add up: the lines total %(total)s but the requested "
                 "amount is %(requested)s.",
                 total=money(rules.budget_total(proposal.budget_lines), currency),
                 requested=money(proposal.requested_amount, currency))
    words = {
        "title": _("A title is missing."),
        "summary": _("A summary is missing."),
        "sector": _("No sector is chosen."),
        "requested_amount": _("The requested amount is missing."),
        "budget_lines": _("The budget has no lines yet."),
        "documents": _("A document is missing: attach at least one PDF."),
    }
    return words.get(field, field)


# --- home and new draft -------------------------------------------------------------------


@applicant.get("/")
@applicant_only
def home() -> str:
    """Open calls with their deadlines, and the institution's proposals with their state."""
    calls = open_calls(db.session)
    form = NewProposalForm()
    return render_template("applicant/home.html", calls=calls, form=form,
                           proposals=institution_proposals(db.session, current_user))


@applicant.route("/new", methods=["GET", "POST"])
@applicant_only
def new() -> str | Response:
    """Choose an open call and start a draft in it."""
    calls = open_calls(db.session)
    form = NewProposalForm()
    form.call.choices = [(c.code, f"{c.code} — {c.title}") for c in calls]
    if form.validate_on_submit():
        try:
            proposal = create_proposal(db.session, {"call": form.call.data}, current_user)
        except DomainError as error:
            db.session.rollback()
            form.call.errors = [*form.call.errors, error.message]
        else:
            db.session.commit()
            flash(_("Your draft %(reference)s is started. Nothing is sent until you submit it.",
                    reference=proposal.reference), "info")
            return redirect(url_for("applicant.edit", proposal_id=proposal.id))
    elif request.method == "GET" and request.args.get("call"):
        form.call.data = request.args["call"]
    return render_template("applicant/new.html", form=form, calls=calls)


# --- drafting -----------------------------------------------------------------------------


def _draft(proposal_id: int) -> Proposal | None:
    proposal = _own(proposal_id)
    return proposal if proposal.state == ProposalState.DRAFT else None


def _fill(form: ProposalForm, proposal: Proposal) -> None:
    form.sector.data = proposal.sector.code if proposal.sector else ""
    form.title.data = proposal.title
    form.summary.data = proposal.summary
    form.work_plan.data = proposal.work_plan
    form.requested_amount.data = (
        format(proposal.requested_amount, "f") if proposal.requested_amount is not None else ""
    )
    while len(form.budget_lines):
        form.budget_lines.pop_entry()
    for line in proposal.budget_lines:
        form.budget_lines.append_entry(
            {"concept": line.concept, "amount": format(line.amount, "f")}
        )
    if not proposal.budget_lines:
        form.budget_lines.append_entry()


def _field_errors(form: ProposalForm, fields: dict[str, str]) -> list[str]:
    """Put a service's field errors next to their fields; return those with no field."""
    unplaced = []
    for name, message in fields.items():
        if name.startswith("budget_lines[") and "]." in name:
            index, sub = name[len("budget_lines["):].split("].", 1)
            filled = [line for line in form.budget_lines if not line.form.is_blank()]
            if index.isdigit() and int(index) < len(filled) and sub in ("concept", "amount"):
                target = filled[int(index)].form[sub]
                target.errors = [*target.errors, message]
                continue
        if name in form and name != "budget_lines":
            form[name].errors = [*form[name].errors, message]
            continue
        unplaced.append(message)
    return unplaced


@applicant.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@applicant_only
def edit(proposal_id: int) -> str | Response:
    """Edit a draft: fields, budget lines (added and removed without JS too) and documents."""
    proposal = _draft(proposal_id)
    if proposal is None:
        flash(_("This proposal is no longer a draft, so it cannot be changed."), "info")
        return redirect(url_for("applicant.view", proposal_id=proposal_id))
    form = ProposalForm()
    form.set_sectors([(s.code, s.name) for s in proposal.call.sectors])
    unplaced: list[str] = []
    saved = False
    if request.method == "GET":
        _fill(form, proposal)
    else:
        action = request.form.get("action", "save")
        if action == "add_line":
            form.budget_lines.append_entry()
        elif action.startswith("remove_line-"):
            _remove_line(form, action.removeprefix("remove_line-"))
        elif form.validate():
            try:
                update_proposal(db.session, proposal, form.service_data(), current_user)
            except ValidationFailed as error:
                db.session.rollback()
                unplaced = _field_errors(form, error.fields or {}) or (
                    [] if error.fields else [error.message])
            except InvalidTransition:
                db.session.rollback()
                flash(_("This proposal is no longer a draft, so it cannot be changed."), "error")
                return redirect(url_for("applicant.view", proposal_id=proposal_id))
            else:
                db.session.commit()
                saved = True
        if saved:
            flash(_("Draft saved."), "info")
            target = "applicant.confirm_submit" if action == "save_and_review" else "applicant.edit"
            return redirect(url_for(target, proposal_id=proposal_id))
        if action == "save" or action == "save_and_review":
            flash(_("The draft was not saved: correct the fields marked below. "
                    "What you typed is still here."), "error")
    refused = request.method == "POST" and bool(unplaced or form.errors)
    return _edit_page(proposal, form, unplaced), 422 if refused else 200


def _edit_page(proposal: Proposal, form: ProposalForm, unplaced: list[str]) -> str:
    return render_template(
        "applicant/edit.html", proposal=proposal, form=form, unplaced=unplaced,
        upload_form=UploadForm(), total=rules.budget_total(proposal.budget_lines),
    )


def _remove_line(form: ProposalForm, index: str) -> None:
    if not index.isdigit() or int(index) >= len(form.budget_lines):
        return
    kept = [entry.data for i, entry in enumerate(form.budget_lines) if i != int(index)]
    while len(form.budget_lines):
        form.budget_lines.pop_entry()
    for data in kept or [{}]:
        form.budget_lines.append_entry(data)


@applicant.post("/proposals/<int:proposal_id>/documents")
@applicant_only
def upload(proposal_id: int) -> Response:
    """Attach one PDF to the draft; its size and type are checked by the service."""
    proposal = _own(proposal_id)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("The upload was refused: reload the page and try again."), "error")
        return redirect(url_for("applicant.edit", proposal_id=proposal_id))
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        flash(_("Choose a PDF document to upload."), "error")
        return redirect(url_for("applicant.edit", proposal_id=proposal_id) + "#documents")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = upload_file.stream.read(limit + 1)
    try:
        attached = add_document(db.session, proposal, upload_file.filename, data, current_user,
                                max_bytes=limit)
    except InvalidTransition:
        db.session.rollback()
        flash(_("This proposal is no longer a draft, so it cannot be changed."), "error")
        return redirect(url_for("applicant.view", proposal_id=proposal_id))
    except (FileTooLarge, UnsupportedFileType, ValidationFailed) as error:
        db.session.rollback()
        flash(_upload_message(error), "error")
    else:
        db.session.commit()
        flash(_("%(filename)s is attached.", filename=attached.filename), "info")
    return redirect(url_for("applicant.edit", proposal_id=proposal_id) + "#documents")


@applicant.post("/proposals/<int:proposal_id>/documents/<int:document_id>/remove",
                endpoint="remove_document")
@applicant_only
def remove_document_view(proposal_id: int, document_id: int) -> Response:
    """Take a PDF off the draft."""
    proposal = _own(proposal_id)
    ConfirmForm()
    try:
        document = get_document(db.session, proposal, document_id)
    except NotFound:
        abort(404)
    filename = document.filename
    try:
        remove_document(db.session, proposal, document, current_user)
    except InvalidTransition:
        db.session.rollback()
        flash(_("This proposal is no longer a draft, so it cannot be changed."), "error")
        return redirect(url_for("applicant.view", proposal_id=proposal_id))
    db.session.commit()
    flash(_("%(filename)s is removed.", filename=filename), "info")
    return redirect(url_for("applicant.edit", proposal_id=proposal_id) + "#documents")


@applicant.get("/proposals/<int:proposal_id>/documents/<int:document_id>")
@applicant_only
def document(proposal_id: int, document_id: int) -> Response:
    """Open one of the proposal's PDFs in the browser."""
    proposal = _own(proposal_id)
    try:
        found = get_document(db.session, proposal, document_id)
    except NotFound:
        abort(404)
    return send_file(storage.path_of(found.stored_name), mimetype="application/pdf",
                     download_name=found.filename, as_attachment=False)


# --- submission, reading, withdrawal and the decision ---------------------------------------


@applicant.route("/proposals/<int:proposal_id>/submit", methods=["GET", "POST"])
@applicant_only
def confirm_submit(proposal_id: int) -> str | Response:
    """A summary to confirm, with every reason it cannot be submitted yet; POST submits."""
    proposal = _own(proposal_id)
    if proposal.state != ProposalState.DRAFT:
        return redirect(url_for("applicant.view", proposal_id=proposal_id))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            submit_proposal(db.session, proposal, current_user)
        except DomainError:
            db.session.rollback()
            proposal = _own(proposal_id)
        else:
            db.session.commit()
            flash(_("Proposal %(reference)s is submitted. It can no longer be changed.",
                    reference=proposal.reference), "info")
            return redirect(url_for("applicant.view", proposal_id=proposal_id))
    problems = problem_messages(proposal, submission_problems(proposal))
    status = 409 if problems and request.method == "POST" else 200
    return render_template("applicant/confirm.html", proposal=proposal, form=form,
                           problems=problems,
                           total=rules.budget_total(proposal.budget_lines)), status


@applicant.get("/proposals/<int:proposal_id>")
@applicant_only
def view(proposal_id: int) -> str:
    """The proposal as submitted, its history and, once decided, its letter and comments."""
    proposal = _own(proposal_id)
    decided = proposal.state in DECIDED
    return render_template(
        "applicant/view.html", proposal=proposal, form=ConfirmForm(),
        history=proposal_history(db.session, proposal.id, internal=False),
        can_withdraw=proposal_workflow.target(proposal.state, "withdraw") is not None,
        letter=letter_for(db.session, proposal.id) if decided else None, decided=decided,
        comments=comments_for_applicant(db.session, proposal),
        total=rules.budget_total(proposal.budget_lines),
    )


@applicant.route("/proposals/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@applicant_only
def withdraw(proposal_id: int) -> str | Response:
    """Ask to confirm, then withdraw the proposal while the workflow allows it."""
    proposal = _own(proposal_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            withdraw_proposal(db.session, proposal, current_user)
        except InvalidTransition:
            db.session.rollback()
            flash(_("This proposal can no longer be withdrawn."), "error")
        else:
            db.session.commit()
            flash(_("Proposal %(reference)s is withdrawn.", reference=proposal.reference),
                  "info")
        return redirect(url_for("applicant.view", proposal_id=proposal_id))
    if proposal_workflow.target(proposal.state, "withdraw") is None:
        flash(_("This proposal can no longer be withdrawn."), "error")
        return redirect(url_for("applicant.view", proposal_id=proposal_id))
    return render_template("applicant/withdraw.html", proposal=proposal, form=form)


@applicant.get("/proposals/<int:proposal_id>/letter")
@writes
@applicant_only
def letter(proposal_id: int) -> Response:
    """The decision letter as PDF, issued on first download."""
    proposal = _own(proposal_id)
    if proposal.state not in DECIDED:
        flash(_("The letter exists once the proposal is decided."), "info")
        return redirect(url_for("applicant.view", proposal_id=proposal_id))
    issued = issue_letter_now(db.session, proposal, current_user, current_app.config)
    db.session.commit()
    return send_file(storage.path_of(issued.stored_name), mimetype="application/pdf",
                     download_name=f"{issued.folio.replace('/', '-')}.pdf", as_attachment=True,
                     etag=issued.sha256)
