"""Calls: officers create and move them; every authenticated user reads them."""

from __future__ import annotations

from flask import jsonify

from evalflow.api import api
from evalflow.api import serializers as out
from evalflow.api.helpers import current_user, json_body, page_of, paging, require
from evalflow.auth.models import Role
from evalflow.calls.services import create_call, get_call, list_calls, transition_call
from evalflow.extensions import db


@api.post("/calls")
@require(Role.OFFICER)
def create_call_view():
    call = create_call(db.session, json_body(), current_user())
    db.session.commit()
    return jsonify(out.call(call)), 201


@api.get("/calls")
@require()
def list_calls_view():
    page, per_page, offset = paging()
    calls, total = list_calls(db.session, offset=offset, limit=per_page)
    return page_of([out.call(c) for c in calls], total, page, per_page)


@api.get("/calls/<code>")
@require()
def get_call_view(code: str):
    return jsonify(out.call(get_call(db.session, code)))


@api.post("/calls/<code>/transitions")
@require(Role.OFFICER)
def transition_call_view(code: str):
    body = json_body()
    call = get_call(db.session, code)
    state = transition_call(db.session, call, body.get("event"), current_user())
    db.session.commit()
    return jsonify({"code": call.code, "state": state.value})

