"""Ranking and report of a call, and public verification of letters."""

from __future__ import annotations

from flask import jsonify, request

from evalflow.api import api
from evalflow.api import serializers as out
from evalflow.api.helpers import current_user, page_of, paging, require
from evalflow.auth.models import Role
from evalflow.calls.models import CallState
from evalflow.calls.services import get_call
from evalflow.decisions.services import verify_letter
from evalflow.errors import Forbidden
from evalflow.extensions import db
from evalflow.reports.services import call_report, ranking


@api.get("/calls/<code>/ranking")
@require(Role.OFFICER)
def ranking_view(code: str):
    page, per_page, offset = paging()
    rows, total = ranking(db.session, get_call(db.session, code),
                          sector=request.args.get("sector"), offset=offset, limit=per_page)
    return page_of([out.ranked(r) for r in rows], total, page, per_page)


@api.get("/calls/<code>/report")
def report_view(code: str):
    call = get_call(db.session, code)
    if call.state != CallState.DECIDED:
        # Unpublished until decided: only officers see it.
        user = current_user()
        if not user.is_officer:
            raise Forbidden("The report is published once the call is decided.")
    return jsonify(out.report(call_report(db.session, call)) | {"call": call.code,
                                                                  "state": call.state.value})


@api.get("/letters/<code>")
def verify_letter_view(code: str):
    letter = verify_letter(db.session, code)
    proposal = letter.proposal
    return jsonify({
        "valid": True, "reference": proposal.reference, "institution": proposal.institution.name,
        "kind": letter.kind.value, "amount": out.money(proposal.awarded_amount),
        "folio": letter.folio, "issued_at": out.when(letter.issued_at), "sha256": letter.sha256,
    })
