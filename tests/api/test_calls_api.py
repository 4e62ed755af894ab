"""Calls through the JSON API: creation, validation, lifecycle and reading."""

from __future__ import annotations

import pytest

from tests.factories import call_payload


@pytest.fixture
def officer_token(make):
    return make.token(make.officer())


def test_an_officer_creates_and_opens_a_call(api, officer_token):
    payload = call_payload(code="PNC-2008", opens_at="2008-09-15T09:00:00-06:00",
                           closes_at="2008-10-31T18:00:00-06:00")
    created = api.post("/calls", payload, officer_token)
    assert created.status_code == 201, created.json
    body = created.json
    assert body["state"] == "draft" and body["max_award"] == "1000000.00"
    assert body["closes_at"] == "2008-10-31T18:00:00-06:00"
    assert body["criteria"][0] == {"code": "C1", "name": "Calidad", "description": "",
                                   "weight": 0.6, "min": 1, "max": 10, "threshold": 6}
    opened = api.post("/calls/PNC-2008/transitions", {"event": "open"}, officer_token)
    assert opened.json["state"] == "open"
    listed = api.get("/calls", officer_token).json
    assert listed["total"] == 1 and listed["page"] == 1 and listed["per_page"] == 100


def test_a_naive_time_is_read_in_the_calls_time_zone(api, officer_token):
    payload = call_payload(opens_at="2008-09-15T09:00:00", closes_at="2008-10-31T18:00:00")
    body = api.post("/calls", payload, officer_token).json
    # Mexico City kept daylight saving time until 26 October 2008.
    assert body["opens_at"] == "2008-09-15T09:00:00-05:00"
    assert body["closes_at"] == "2008-10-31T18:00:00-06:00"


@pytest.mark.parametrize(("change", "field"), [
    ({"closes_at": "2000-01-01T00:00:00+00:00"}, "closes_at"),
    ({"max_award": "NaN"}, "max_award"),
    ({"total_budget": "1E+309"}, "total_budget"),
    ({"max_award": "20000000.00"}, "max_award"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"language": "fr"}, "language"),
    ({"reviewers_per_proposal": 0}, "reviewers_per_proposal"),
    ({"reviewers_per_proposal": True}, "reviewers_per_proposal"),
    ({"code": "no spaces allowed"}, "code"),
    ({"sectors": []}, "sectors"),
    ({"criteria": [{"code": "C1", "name": "A", "weight": 0.5, "min": 1, "max": 10}]}, "criteria"),
    ({"criteria": [{"code": "C1", "name": "A", "weight": 1, "min": 5, "max": 1}]},
     "criteria[0].max"),
    ({"criteria": [{"code": "C1", "name": "A", "weight": 1, "min": 1, "max": 10,
                    "threshold": 11}]}, "criteria[0].threshold"),
    ({"title": "\x00"}, "title"),
])
def test_invalid_calls_are_422_naming_the_field(api, officer_token, change, field):
    response = api.post("/calls", call_payload(**change), officer_token)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert api.get("/calls", officer_token).json["total"] == 0


def test_a_duplicate_code_is_refused(api, officer_token):
    api.post("/calls", call_payload(code="DUP"), officer_token)
    response = api.post("/calls", call_payload(code="DUP"), officer_token)
    assert response.status_code == 409


def test_only_officers_create_or_move_calls(make, api):
    token = make.token(make.user("applicant"))
    assert api.post("/calls", call_payload(), token).status_code == 403
    call = make.call(state="draft")
    assert api.post(f"/calls/{call.code}/transitions", {"event": "open"}, token).status_code == 403
    assert api.get(f"/calls/{call.code}", token).status_code == 200
    assert api.get("/calls/NOPE", token).status_code == 404


def test_call_transitions_refuse_what_the_state_does_not_allow(make, api, officer_token):
    call = make.call(state="draft")
    response = api.post(f"/calls/{call.code}/transitions", {"event": "decide"}, officer_token)
    assert (response.status_code, response.json["error"]["code"]) == (409, "invalid_transition")
    unknown = api.post(f"/calls/{call.code}/transitions", {"event": "explode"}, officer_token)
    assert unknown.status_code == 422


@pytest.mark.parametrize("query", ["page=0", "per_page=1001", "per_page=abc", "page=-1"])
def test_bad_paging_is_422(api, officer_token, query):
    assert api.get(f"/calls?{query}", officer_token).status_code == 422
