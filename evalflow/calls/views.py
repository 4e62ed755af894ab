"""The call designer: officers create, edit, open and close calls.

Views stay thin: the form's strings go to `create_call` / `update_call` as the API's payload,
so the rules live once in the services; their refusals come back next to the fields.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from evalflow.auth.access import officer_required
from evalflow.calls.forms import CallForm, ConfirmForm, translate
from evalflow.calls.models import Call, CallState
from evalflow.calls.services import create_call, get_call, transition_call, update_call
from evalflow.calls.workflow import call_workflow
from evalflow.errors import DomainError, NotFound, ValidationFailed
from evalflow.extensions import db
from evalflow.i18n import state_label
from evalflow.proposals.models import Proposal, ProposalState

designer = Blueprint("designer", __name__, url_prefix="/officer/calls")

RECEIVED = tuple(s for s in ProposalState if s not in (ProposalState.DRAFT,))
PASSED_SCREENING = (ProposalState.ELIGIBLE, ProposalState.UNDER_REVIEW, ProposalState.REVIEWED,
                    ProposalState.FUNDED, ProposalState.NOT_FUNDED)
ROWS = ("sectors", "eligibility_criteria", "criteria")
ROW_FIELD = re.compile(r"^(\w+)\[(\d+)\]\.(\w+)$")
LOCAL_TIME = "%Y-%m-%dT%H:%M"




@designer.errorhandler(DomainError)
def _refused(error: DomainError) -> Response:
    # The app-wide handler answers JSON for the API; these pages answer HTML.
    db.session.rollback()
    if isinstance(error, NotFound):
        abort(404)
    flash(translate(error.message), "error")
    return redirect(url_for("designer.calls"))


def _call(code: str) -> Call:
    try:
        return get_call(db.session, code)
    except NotFound:
        abort(404)


# --- the list -----------------------------------------------------------------------------


@designer.get("/")
@officer_required
def calls() -> str:
    """Every call with its state, dates in its zone and proposals received and eligible."""
    all_calls = db.session.scalars(
        sa.select(Call).order_by(Call.opens_at.desc(), Call.id.desc())
    ).all()
    counts = {
        call_id: (received or 0, eligible or 0)
        for call_id, received, eligible in db.session.execute(
            sa.select(
                Proposal.call_id,
                sa.func.sum(sa.case((Proposal.state.in_(RECEIVED), 1), else_=0)),
                sa.func.sum(sa.case((Proposal.state.in_(PASSED_SCREENING), 1), else_=0)),
            ).group_by(Proposal.call_id)
        )
    }
    return render_template("designer/calls.html", calls=all_calls, counts=counts,
                           events=_events)


def _events(call: Call) -> list[str]:
    """The transitions the call's state allows, for its buttons."""
    return call_workflow.allowed_events(call.state)


# --- the form -----------------------------------------------------------------------------


def _local(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime(LOCAL_TIME) if moment else ""


def _plain(value: Any) -> str:
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _fill(form: CallForm, call: Call) -> None:
    for name in ("code", "title", "description", "language", "timezone", "currency"):
        getattr(form, name).data = getattr(call, name)
    form.opens_at.data = _local(call.opens_at, call.timezone)
    form.closes_at.data = _local(call.closes_at, call.timezone)
    form.total_budget.data = format(call.total_budget, "f")
    form.max_award.data = format(call.max_award, "f")
    form.reviewers_per_proposal.data = str(call.reviewers_per_proposal)
    rows = {
        "sectors": [{"code": s.code, "name": s.name} for s in call.sectors],
        "eligibility_criteria": [{"code": e.code, "text": e.text}
                                 for e in call.eligibility_criteria],
        "criteria": [{"code": c.code, "name": c.name, "description": c.description,
                      "weight": _plain(c.weight), "min": _plain(c.min_score),
                      "max": _plain(c.max_score), "threshold": _plain(c.threshold)}
                     for c in call.criteria],
    }
    for name, items in rows.items():
        field = getattr(form, name)
        while len(field):
            field.pop_entry()
        for item in items:
            field.append_entry(item)
        if not items:
            field.append_entry()


def _blank(row: dict[str, Any]) -> bool:
    return not any((value or "").strip() for value in row.values())


def _payload(form: CallForm) -> dict[str, Any]:
    """The service's payload from the typed strings; blank rows are left out."""
    data: dict[str, Any] = {
        name: (getattr(form, name).data or "").strip()
        for name in ("code", "title", "description", "language", "timezone", "opens_at",
                     "closes_at", "currency", "total_budget", "max_award",
                     "reviewers_per_proposal")
    }
    for name in ROWS:
        items = []
        for i, entry in enumerate(getattr(form, name)):
            row = {key: (value or "").strip() for key, value in entry.data.items()
                   if key != "csrf_token"}
            if _blank(row):
                continue
            if not row.get("code"):
                row["code"] = {"sectors": "S", "eligibility_criteria": "E",
                               "criteria": "C"}[name] + str(i + 1)
            if name == "criteria" and not row.get("threshold"):
                row["threshold"] = None
            items.append((i, row))
        data[name] = [row for _i, row in items]
        data[f"_{name}_rows"] = [i for i, _row in items]
    return data


def _place_errors(form: CallForm, data: dict[str, Any], fields: dict[str, str]) -> dict[str, str]:
    """Put each refusal next to its field (`criteria[0].weight` → that row's weight);
    what belongs to a whole list (`criteria`) is returned for the list's heading."""
    groups: dict[str, str] = {}
    for key, message in fields.items():
        text = translate(message)
        found = ROW_FIELD.match(key)
        if found and found.group(1) in ROWS:
            name, index, sub = found.group(1), int(found.group(2)), found.group(3)
            rows = data.get(f"_{name}_rows", [])
            if index < len(rows):
                entry = getattr(form, name)[rows[index]]
                entry.form[sub].errors = [*entry.form[sub].errors, text]
                continue
            groups[name] = text
        elif key in ROWS:
            groups[key] = text
        elif key in form:
            form[key].errors = [*form[key].errors, text]
        else:
            groups["form"] = text
    return groups


def _row_action(form: CallForm) -> bool:
    """Add or remove a row without JavaScript; True when the page only needs redrawing."""
    action = request.form.get("action", "save")
    for name in ROWS:
        if action == f"add-{name}":
            getattr(form, name).append_entry()
            return True
        if action.startswith(f"remove-{name}-"):
            index = int(action.rsplit("-", 1)[1]) if action.rsplit("-", 1)[1].isdigit() else -1
            field = getattr(form, name)
            if 0 <= index < len(field):
                kept = [entry.data for i, entry in enumerate(field) if i != index]
                while len(field):
                    field.pop_entry()
                for item in kept or [None]:
                    field.append_entry(item)
            return True
    return False


def _save(form: CallForm, call: Call | None) -> tuple[Call | None, dict[str, str]]:
    """Hand the form to the service; the call, or the refusals placed on the form."""
    data = _payload(form)
    payload = {k: v for k, v in data.items() if not k.startswith("_")}
    try:
        if call is None:
            saved = create_call(db.session, payload, current_user._get_current_object())
        else:
            saved = update_call(db.session, call, payload, current_user._get_current_object())
    except ValidationFailed as error:
        db.session.rollback()
        groups = _place_errors(form, data, error.fields or {})
        groups["form"] = translate(error.message)
        return None, groups
    except DomainError as error:
        db.session.rollback()
        groups = _place_errors(form, data, error.fields or {})
        groups["form"] = translate(error.message)
        return None, groups
    db.session.commit()
    return saved, {}


@designer.route("/new", methods=["GET", "POST"])
@officer_required
def new() -> str | Response:
    """A new call in draft."""
    form = CallForm()
    groups: dict[str, str] = {}
    if request.method == "POST" and not _row_action(form) and form.validate_on_submit():
        call, groups = _save(form, None)
        if call is not None:
            flash(_("The call %(code)s is saved as a draft.", code=call.code), "info")
            return redirect(url_for("designer.edit", code=call.code))
    status = 422 if groups else 200
    return render_template("designer/edit.html", form=form, call=None, groups=groups), status


@designer.route("/<code>/edit", methods=["GET", "POST"])
@officer_required
def edit(code: str) -> str | Response:
    """Change a call; once reviews exist only the rubric's wording may change."""
    call = _call(code)
    if call.state == CallState.DECIDED:
        flash(_("A decided call can no longer be changed."), "error")
        return redirect(url_for("designer.calls"))
    form = CallForm()
    groups: dict[str, str] = {}
    if request.method == "GET":
        _fill(form, call)
    elif not _row_action(form) and form.validate_on_submit():
        saved, groups = _save(form, call)
        if saved is not None:
            flash(_("The call %(code)s is saved.", code=saved.code), "info")
            return redirect(url_for("designer.edit", code=saved.code))
        call = _call(code)
    status = 422 if groups else 200
    return render_template("designer/edit.html", form=form, call=call, groups=groups), status


# --- open, close, decide ------------------------------------------------------------------


@designer.route("/<code>/<event>", methods=["GET", "POST"])
@officer_required
def transition(code: str, event: str) -> str | Response:
    """Confirm, then open, close or decide the call."""
    if event not in call_workflow.events:
        abort(404)
    call = _call(code)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            state = transition_call(db.session, call, event, current_user._get_current_object())
        except DomainError as error:
            db.session.rollback()
            flash(translate(error.message), "error")
            for message in (error.fields or {}).values():
                flash(translate(message), "error")
        else:
            db.session.commit()
            flash(_("The call %(code)s is now: %(state)s.", code=call.code,
                    state=state_label(state.value)), "info")
        return redirect(url_for("designer.calls"))
    return render_template("designer/confirm.html", call=call, event=event, form=form)
