"""The call designer's pages: the officers' list, the form with its rows, open and close."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from evalflow.auth.models import User
from evalflow.calls.models import Call, CallState
from evalflow.extensions import db
from tests.factories import Factory, sign_in


@pytest.fixture
def officer(client: FlaskClient, make: Factory) -> User:
    user = make.officer()
    sign_in(client, user)
    return user


def form_data(**overrides: Any) -> dict[str, str]:
    data = {
        "code": "FOMIX-2026", "title": "Fondo mixto", "description": "Bases",
        "language": "es", "timezone": "America/Mexico_City",
        "opens_at": "2026-01-10T09:00", "closes_at": "2026-03-10T18:00",
        "currency": "MXN", "total_budget": "12000000.00", "max_award": "1000000.00",
        "reviewers_per_proposal": "2",
        "sectors-0-code": "TIC", "sectors-0-name": "Tecnologías",
        "sectors-1-code": "SAL", "sectors-1-name": "Salud",
        "eligibility_criteria-0-code": "E1",
        "eligibility_criteria-0-text": "Institución registrada",
        "criteria-0-code": "C1", "criteria-0-name": "Calidad", "criteria-0-weight": "60",
        "criteria-0-min": "1", "criteria-0-max": "10", "criteria-0-threshold": "6",
        "criteria-1-code": "C2", "criteria-1-name": "Impacto", "criteria-1-weight": "40",
        "criteria-1-min": "1", "criteria-1-max": "10",
        "action": "save",
    }
    data.update(overrides)
    return data


def test_the_list_shows_each_call_with_its_counts(client, make, officer, count_queries):
    call = make.call(title="Convocatoria <script>alert(1)</script>")
    for state in ("draft", "submitted", "eligible", "ineligible"):
        make.proposal(call=call, state=state)
    make.call(state="draft")
    page = client.get("/officer/calls/")
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)" in page.text and "<script>alert" not in page.text
    row = page.text.split(call.code + " — ")[1].split("</tr>")[0]
    cells = [c.split("<")[0] for c in row.split("<td>")[1:]]
    assert cells[3:5] == ["3", "1"]  # received (not drafts), passed screening
    client.get("/officer/calls/")  # warm: the session reloads what the factories expired
    with count_queries() as few:
        client.get("/officer/calls/")
    for _ in range(3):
        make.proposal(call=make.call(), state="submitted")
    client.get("/officer/calls/")
    with count_queries() as many:
        client.get("/officer/calls/")
    assert many.count == few.count


@pytest.mark.parametrize("path", ["/officer/calls/", "/officer/calls/new"])
def test_only_officers_see_the_designer(client, make, path):
    assert client.get(path).status_code == 302
    assert "/auth/login" in client.get(path).headers["Location"]
    for role in ("applicant", "reviewer"):
        person = make.user(role)
        sign_in(client, person)
        assert client.get(path).status_code == 403
        client.post("/auth/logout")


def test_an_admin_may_design_calls(client, make):
    sign_in(client, make.user("admin"))
    assert client.get("/officer/calls/new").status_code == 200


def test_a_new_call_is_saved_in_draft_with_its_rubric(client, officer):
    response = client.post("/officer/calls/new", data=form_data())
    assert response.status_code == 302, response.text
    call = db.session.query(Call).filter_by(code="FOMIX-2026").one()
    assert call.state == CallState.DRAFT
    assert [c.code for c in call.criteria] == ["C1", "C2"]
    assert call.opens_at.hour == 15  # 09:00 in Mexico City is 15:00 UTC
    page = client.get(response.headers["Location"])
    assert 'value="2026-01-10T09:00"' in page.text and 'value="60"' in page.text


def test_closing_before_opening_is_shown_next_to_the_date(client, officer):
    page = client.post("/officer/calls/new", data=form_data(closes_at="2026-01-01T09:00",
                                                            title="Mi título tecleado"))
    assert page.status_code == 422
    assert "The call must close after it opens." in page.text
    assert 'id="closes_at-error"' in page.text
    assert "The call is not valid. Check the fields marked below." in page.text
    assert 'value="Mi título tecleado"' in page.text and 'value="2026-01-01T09:00"' in page.text
    assert db.session.query(Call).count() == 0


def test_weights_that_do_not_add_up_are_shown_on_the_rubric(client, officer):
    page = client.post("/officer/calls/new", data=form_data(**{"criteria-1-weight": "30"}))
    assert page.status_code == 422
    assert "The weights add up to 90; they must add up to 1 (or 100)." in page.text
    assert 'id="criteria-error"' in page.text and 'value="30"' in page.text


def test_a_bad_row_field_is_shown_in_its_row(client, officer):
    page = client.post("/officer/calls/new", data=form_data(**{"criteria-1-max": "0"}))
    assert page.status_code == 422
    assert 'id="criteria-1-max-error"' in page.text
    assert '<label for="criteria-1-max" class="skip">Maximum 2</label>' in page.text


def test_rows_are_added_and_removed_without_javascript(client, officer):
    page = client.post("/officer/calls/new", data=form_data(action="add-criteria"))
    assert 'name="criteria-2-name"' in page.text and 'value="Impacto"' in page.text
    page = client.post("/officer/calls/new", data=form_data(action="remove-criteria-0"))
    assert 'value="Calidad"' not in page.text and 'value="Impacto"' in page.text


def test_editing_a_call_keeps_its_values(client, make, officer):
    call = make.call(state="draft")
    page = client.get(f"/officer/calls/{call.code}/edit")
    assert page.status_code == 200 and 'value="Calidad"' in page.text
    data = form_data(code=call.code, title="Nuevo título")
    response = client.post(f"/officer/calls/{call.code}/edit", data=data)
    assert response.status_code == 302, response.text
    db.session.refresh(call)
    assert call.title == "Nuevo título"


def test_a_rubric_change_is_refused_once_reviews_exist(client, make, officer):
    call = make.proposal(state="reviewed").call
    data = form_data(code=call.code, **{"criteria-0-weight": "0.5", "criteria-1-weight": "0.5",
                                        "criteria-0-name": "Calidad"})
    page = client.post(f"/officer/calls/{call.code}/edit", data=data)
    assert page.status_code == 422
    assert "cannot change; only its wording can" in page.text
    db.session.refresh(call)
    assert [str(c.weight) for c in call.criteria] == ["0.6000", "0.4000"]


def test_a_call_is_opened_and_closed_after_confirmation(client, make, officer):
    call = make.call(state="draft")
    confirm = client.get(f"/officer/calls/{call.code}/open")
    assert confirm.status_code == 200 and "Open the call" in confirm.text
    assert client.post(f"/officer/calls/{call.code}/open").status_code == 302
    db.session.refresh(call)
    assert call.state == CallState.OPEN
    client.post(f"/officer/calls/{call.code}/close")
    db.session.refresh(call)
    assert call.state == CallState.CLOSED


def test_a_refused_transition_is_a_message_not_json(client, make, officer):
    call = make.proposal(state="submitted").call
    client.post(f"/officer/calls/{call.code}/close")
    response = client.post(f"/officer/calls/{call.code}/decide", follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "flash-error" in response.text
    db.session.refresh(call)
    assert call.state == CallState.CLOSED


def test_an_unknown_call_or_event_is_404(client, make, officer):
    assert client.get("/officer/calls/NOPE/edit").status_code == 404
    call = make.call(state="draft")
    assert client.get(f"/officer/calls/{call.code}/explode").status_code == 404
