"""Editing a call: a draft changes freely; reviews given freeze the rubric's weights and scales."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from evalflow.audit import AuditEvent
from evalflow.calls.models import Call
from evalflow.calls.services import update_call
from evalflow.errors import Refused, ValidationFailed
from evalflow.extensions import db
from tests.factories import Factory, call_payload


def payload_of(call: Call, **overrides: Any) -> dict[str, Any]:
    data = call_payload(code=call.code, opens_at=call.opens_at.isoformat(),
                        closes_at=call.closes_at.isoformat())
    data.update(overrides)
    return data


def test_a_draft_changes_everything(make: Factory) -> None:
    officer = make.officer()
    call = make.call(state="draft", officer=officer)
    data = payload_of(call, code="NEW-1", title="Otro título", criteria=[
        {"code": "X1", "name": "Solo", "weight": 1, "min": 0, "max": 5}])
    update_call(db.session, call, data, officer)
    db.session.commit()
    assert call.code == "NEW-1" and call.title == "Otro título"
    assert [(c.code, c.weight) for c in call.criteria] == [("X1", Decimal("1"))]


def test_weights_that_do_not_add_up_are_refused(make: Factory) -> None:
    officer = make.officer()
    call = make.call(state="draft", officer=officer)
    data = payload_of(call, criteria=[{"code": "A", "name": "A", "weight": 0.5, "min": 0,
                                       "max": 5}])
    with pytest.raises(ValidationFailed) as raised:
        update_call(db.session, call, data, officer)
    assert "criteria" in raised.value.fields


def test_closing_before_opening_is_refused(make: Factory) -> None:
    officer = make.officer()
    call = make.call(state="draft", officer=officer)
    data = payload_of(call, opens_at=call.closes_at.isoformat(),
                      closes_at=call.opens_at.isoformat())
    with pytest.raises(ValidationFailed) as raised:
        update_call(db.session, call, data, officer)
    assert "closes_at" in raised.value.fields


def test_once_reviews_exist_a_criterion_cannot_be_removed(make: Factory) -> None:
    proposal = make.proposal(state="reviewed")
    call, officer = proposal.call, make.officer()
    data = payload_of(call, criteria=[{"code": "C1", "name": "Calidad", "weight": 1, "min": 1,
                                       "max": 10}])
    with pytest.raises(Refused, match="C2"):
        update_call(db.session, call, data, officer)


@pytest.mark.parametrize("change", [{"weight": 0.5}, {"max": 20}, {"min": 0}])
def test_once_reviews_exist_weights_and_scales_are_frozen(make: Factory, change: dict) -> None:
    proposal = make.proposal(state="reviewed")
    call, officer = proposal.call, make.officer()
    data = payload_of(call)
    data["criteria"][0].update(change)
    if "weight" in change:
        data["criteria"][1]["weight"] = 0.5
    with pytest.raises(Refused, match="C1"):
        update_call(db.session, call, data, officer)


def test_once_reviews_exist_wording_may_change_and_is_audited(make: Factory) -> None:
    proposal = make.proposal(state="reviewed")
    call, officer = proposal.call, make.officer()
    data = payload_of(call)
    data["criteria"][0]["name"] = "Calidad científica"
    data["criteria"][0]["description"] = "Rigor del planteamiento"
    update_call(db.session, call, data, officer)
    db.session.commit()
    assert call.criteria[0].name == "Calidad científica"
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.call_id == call.id)).all()
    assert "call.update" in actions


def test_the_code_of_an_open_call_cannot_change(make: Factory) -> None:
    officer = make.officer()
    call = make.call(state="open", officer=officer)
    with pytest.raises(Refused):
        update_call(db.session, call, payload_of(call, code="OTRA-1"), officer)


def test_a_sector_in_use_cannot_be_removed(make: Factory) -> None:
    proposal = make.proposal(state="submitted")
    call, officer = proposal.call, make.officer()
    data = payload_of(call, sectors=[{"code": "SAL", "name": "Salud"}])
    with pytest.raises(Refused, match="TIC"):
        update_call(db.session, call, data, officer)
