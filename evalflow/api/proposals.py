"""Proposals: drafting and documents (applicants), screening and funding (officers)."""

from __future__ import annotations

from flask import current_app, jsonify, request, send_file

from evalflow import storage
from evalflow.api import api
from evalflow.api import serializers as out
from evalflow.api.helpers import (
    current_user,
    field_error,
    json_body,
    page_of,
    paging,
    path_id,
    require,
)
from evalflow.audit import proposal_history
from evalflow.auth.models import Role
from evalflow.calls.services import get_call
from evalflow.decisions.issuing import issue_letter_now
from evalflow.decisions.services import decline_proposal, fund_proposal, letter_for
from evalflow.errors import Forbidden, InvalidTransition
from evalflow.extensions import db
from evalflow.proposals.access import visible_proposal
from evalflow.proposals.models import Proposal
from evalflow.proposals.services import (
    add_document,
    create_proposal,
    get_document,
    list_call_proposals,
    screen_proposal,
    submit_proposal,
    update_proposal,
    withdraw_proposal,
)
from evalflow.reviews.services import comments_for_applicant
from evalflow.startup import writes

APPLICANT_EVENTS = ("submit", "withdraw")
OFFICER_EVENTS = ("approve_eligibility", "reject_eligibility", "fund", "decline")


def _detail(proposal: Proposal):
    user = current_user()
    if user.role == Role.REVIEWER:
        return out.proposal(proposal, user)
    history = proposal_history(db.session, proposal.id, internal=user.is_officer)
    return out.proposal(proposal, user, history=history,
                        letter=letter_for(db.session, proposal.id),
                        comments=comments_for_applicant(db.session, proposal))


@api.post("/proposals")
@require(Role.APPLICANT)
def create_proposal_view():
    proposal = create_proposal(db.session, json_body(), current_user())
    db.session.commit()
    return jsonify(_detail(visible_proposal(db.session, proposal.id, current_user()))), 201


@api.get("/proposals/<pid>")
@require()
def get_proposal_view(pid: str):
    return jsonify(_detail(visible_proposal(db.session, path_id(pid), current_user())))


@api.patch("/proposals/<pid>")
@require(Role.APPLICANT)
def update_proposal_view(pid: str):
    proposal = visible_proposal(db.session, path_id(pid), current_user())
    update_proposal(db.session, proposal, json_body(), current_user())
    db.session.commit()
    return jsonify(_detail(visible_proposal(db.session, proposal.id, current_user())))


@api.post("/proposals/<pid>/documents")
@require(Role.APPLICANT)
def upload_document_view(pid: str):
    proposal = visible_proposal(db.session, path_id(pid), current_user())
    upload = request.files.get("file")
    if upload is None:
        raise field_error("file", "Send the PDF in the multipart field 'file'.")
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    data = upload.stream.read(limit + 1)
    document = add_document(db.session, proposal, upload.filename, data, current_user(),
                            max_bytes=limit)
    db.session.commit()
    return jsonify(out.document(document)), 201


@api.get("/proposals/<pid>/documents/<did>")
@require()
def download_document_view(pid: str, did: str):
    proposal = visible_proposal(db.session, path_id(pid), current_user())
    document = get_document(db.session, proposal, path_id(did))
    return send_file(storage.path_of(document.stored_name), mimetype="application/pdf",
                     download_name=document.filename, as_attachment=False)


@api.get("/calls/<code>/proposals")
@require(Role.OFFICER)
def list_call_proposals_view(code: str):
    page, per_page, offset = paging()
    call = get_call(db.session, code)
    proposals, total = list_call_proposals(
        db.session, call, state=request.args.get("state"), sector=request.args.get("sector"),
        offset=offset, limit=per_page,
    )
    return page_of([out.proposal_row(p) for p in proposals], total, page, per_page)


@api.post("/proposals/<pid>/transitions")
@require()
def transition_proposal_view(pid: str):
    user = current_user()
    proposal = visible_proposal(db.session, path_id(pid), user)
    body = json_body()
    event = body.get("event")
    if event not in APPLICANT_EVENTS + OFFICER_EVENTS:
        events = ", ".join(APPLICANT_EVENTS + OFFICER_EVENTS)
        raise field_error("event", f"Choose one of: {events}.")
    allowed = OFFICER_EVENTS if user.is_officer else (
        APPLICANT_EVENTS if user.role == Role.APPLICANT else ())
    if event not in allowed:
        raise Forbidden(f"Your role cannot {event.replace('_', ' ')} a proposal.")
    if event == "submit":
        submit_proposal(db.session, proposal, user)
    elif event == "withdraw":
        withdraw_proposal(db.session, proposal, user)
    elif event in ("approve_eligibility", "reject_eligibility"):
        answers = body.get("answers")
        if answers is not None and not isinstance(answers, dict):
            raise field_error("answers", "Give the answers as {requirement code: true/false}.")
        screen_proposal(db.session, proposal, user, eligible=event == "approve_eligibility",
                        reason=_reason(body), answers=answers)
    elif event == "fund":
        fund_proposal(db.session, proposal, user, body.get("amount"), reason=_reason(body))
    else:
        decline_proposal(db.session, proposal, user, _reason(body))
    db.session.commit()
    return jsonify({"id": proposal.id, "reference": proposal.reference,
                    "state": proposal.state.value,
                    "awarded_amount": out.money(proposal.awarded_amount)})


def _reason(body: dict) -> str | None:
    reason = body.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise field_error("reason", "Give the reason as text.")
    return reason


@api.get("/proposals/<pid>/letter")
@require(Role.APPLICANT, Role.OFFICER)
@writes
def letter_view(pid: str):
    proposal = visible_proposal(db.session, path_id(pid), current_user())
    if proposal.state.value not in ("funded", "not_funded"):
        raise InvalidTransition("The letter exists once the proposal is funded or declined.")
    letter = issue_letter_now(db.session, proposal, current_user(), current_app.config)
    db.session.commit()
    return send_file(storage.path_of(letter.stored_name), mimetype="application/pdf",
                     download_name=f"{letter.folio.replace('/', '-')}.pdf", as_attachment=False,
                     etag=letter.sha256)
