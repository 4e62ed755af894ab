"""Funding within the budget, letters, verification and the call report through the API."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from evalflow.calls.services import transition_call
from evalflow.extensions import db


@pytest.fixture
def officer(make):
    user = make.officer()
    return user, make.token(user)


def _fund(api, token, pid, amount):
    return api.post(f"/proposals/{pid}/transitions", {"event": "fund", "amount": amount}, token)


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_funding_respects_request_cap_and_budget(make, api, officer):
    _, token = officer
    call = make.call(total_budget="2000000.00", max_award="1000000.00")
    a, b, c = (make.proposal(call=call, state="reviewed") for _ in range(3))
    over_request = _fund(api, token, a.id, "950000.01")
    assert (over_request.status_code, over_request.json["error"]["code"]) == (409, "over_cap")
    bad = _fund(api, token, a.id, "NaN")
    assert bad.status_code == 422 and "amount" in bad.json["error"]["fields"]
    assert _fund(api, token, a.id, "950000.00").json["state"] == "funded"
    assert _fund(api, token, b.id, "950000.00").json["awarded_amount"] == "950000.00"
    refused = _fund(api, token, c.id, "100000.01")
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "budget_exceeded")
    assert api.get(f"/proposals/{c.id}", token).json["state"] == "reviewed"
    exact = _fund(api, token, c.id, "100000.00")
    assert exact.status_code == 200
    shown = api.get(f"/calls/{call.code}", token).json
    assert shown["awarded_total"] == "2000000.00" and shown["budget_remaining"] == "0.00"
    again = _fund(api, token, a.id, "1.00")
    assert again.json["error"]["code"] == "invalid_transition"


def test_decline_needs_a_reason(make, api, officer):
    _, token = officer
    proposal = make.proposal(state="reviewed")
    response = api.post(f"/proposals/{proposal.id}/transitions", {"event": "decline"}, token)
    assert response.status_code == 422
    ok = api.post(f"/proposals/{proposal.id}/transitions",
                  {"event": "decline", "reason": "Menor puntaje"}, token)
    assert ok.json["state"] == "not_funded"


def test_award_letter_reads_back_and_verifies(make, api, officer, app):
    _, token = officer
    applicant = make.user("applicant", institution="Centro Ficticio de Nanotecnología")
    applicant_token = make.token(applicant)
    proposal = make.proposal(applicant=applicant, state="funded", amount="980000.00",
                             requested_amount="980000.00",
                             budget_lines=[{"concept": "Plan", "amount": "980000.00"}])
    response = api.get(f"/proposals/{proposal.id}/letter", applicant_token)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data)
    for expected in ("$980,000.00", "novecientos ochenta mil pesos 00/100 M.N.",
                     "Centro Ficticio de Nanotecnología", proposal.reference):
        assert expected in text
    detail = api.get(f"/proposals/{proposal.id}", applicant_token).json
    letter = detail["letter"]
    assert letter["kind"] == "award" and len(letter["sha256"]) == 64
    assert letter["verification_code"] in text
    again = api.get(f"/proposals/{proposal.id}/letter", token)
    assert again.data == response.data
    verified = api.get(f"/letters/{letter['verification_code']}")
    assert verified.status_code == 200
    assert verified.json | {} == verified.json
    assert verified.json["valid"] is True and verified.json["kind"] == "award"
    assert verified.json["amount"] == "980000.00"
    assert verified.json["sha256"] == letter["sha256"]
    assert verified.json["reference"] == proposal.reference
    lower = api.get(f"/letters/{letter['verification_code'].lower().replace('-', '')}")
    assert lower.status_code == 200
    assert api.get("/letters/AAAA-BBBB-CCCC-DDDD").status_code == 404


def test_no_letter_before_a_decision_and_none_for_reviewers(make, api, officer):
    _, token = officer
    proposal = make.proposal(state="reviewed")
    assert api.get(f"/proposals/{proposal.id}/letter", token).status_code == 409
    reviewer = make.user("reviewer")
    assert api.get(f"/proposals/{proposal.id}/letter", make.token(reviewer)).status_code == 403


def test_a_hostile_title_is_text_in_the_letter(make, api, officer):
    _, token = officer
    title = '<a rel="attachment" href="file:///etc/passwd">x</a><img src="file:///etc/passwd">'
    proposal = make.proposal(state="not_funded", title=title)
    pdf = api.get(f"/proposals/{proposal.id}/letter", token).data
    assert b"root:x:0:0" not in pdf and b"/EmbeddedFile" not in pdf
    assert 'rel="attachment"' in _text(pdf).replace("\n", "")


def test_letters_issue_for_a_decided_call(make, api, officer, runner):
    user, token = officer
    call = make.call(officer=user)
    funded = make.proposal(call=call, state="funded")
    declined = make.proposal(call=call, state="not_funded")
    early = runner.invoke(args=["letters", "issue", call.code])
    assert early.exit_code != 0 and "decided" in early.output
    transition_call(db.session, call, "close", user)
    transition_call(db.session, call, "decide", user)
    db.session.commit()
    result = runner.invoke(args=["letters", "issue", call.code])
    assert result.exit_code == 0, result.output
    assert "2 issued, 0 failed, of 2 owed" in result.output
    kinds = {api.get(f"/proposals/{p.id}", token).json["letter"]["kind"]
             for p in (funded, declined)}
    assert kinds == {"award", "decline"}
    second = runner.invoke(args=["letters", "issue", call.code])
    assert "0 issued, 0 failed, of 0 owed" in second.output


def test_report_is_for_officers_until_decided_then_public(make, api, officer):
    user, token = officer
    call = make.call(officer=user)
    make.proposal(call=call, state="funded", amount="900000.00")
    make.proposal(call=call, state="not_funded", sector="SAL")
    make.proposal(call=call, state="ineligible")
    make.proposal(call=call, state="withdrawn")
    make.proposal(call=call)  # a draft is not received
    applicant_token = make.token(make.user("applicant"))
    assert api.get(f"/calls/{call.code}/report", applicant_token).status_code == 403
    assert api.get(f"/calls/{call.code}/report").status_code == 401
    report = api.get(f"/calls/{call.code}/report", token).json
    assert {k: report[k] for k in ("received", "eligible", "ineligible", "withdrawn",
                                   "reviewed", "funded", "not_funded")} == {
        "received": 3, "eligible": 2, "ineligible": 1, "withdrawn": 1, "reviewed": 2,
        "funded": 1, "not_funded": 1}
    assert report["awarded_total"] == "900000.00"
    assert report["budget_remaining"] == "11100000.00"
    tic = next(s for s in report["by_sector"] if s["code"] == "TIC")
    assert tic == {"code": "TIC", "name": "Tecnologías de la Información y Comunicación",
                   "received": 2, "eligible": 1, "funded": 1, "awarded_total": "900000.00"}
    transition_call(db.session, call, "close", user)
    transition_call(db.session, call, "decide", user)
    db.session.commit()
    assert api.get(f"/calls/{call.code}/report").status_code == 200


def test_a_call_in_english_issues_english_letters(make, api, officer):
    _, token = officer
    call = make.call(language="en")
    proposal = make.proposal(call=call, state="funded")
    text = _text(api.get(f"/proposals/{proposal.id}/letter", token).data)
    assert "nine hundred fifty thousand Mexican pesos 00/100" in text
    assert "$950,000.00" in text and "Page 1 of 1" in text
