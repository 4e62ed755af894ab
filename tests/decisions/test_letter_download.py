"""The officers' "Download" link of an issued letter downloads it: a PDF attachment named
after the letter's folio, like the institution's own copy."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from flask_babel import refresh

from evalflow.auth.passwords import set_password
from evalflow.decisions.issuing import issue_letter_now
from evalflow.extensions import db
from tests.factories import Factory

PASSWORD = "correct horse"


def test_an_issued_letter_is_downloaded_as_a_pdf_named_after_its_folio(
        app: Flask, client: FlaskClient, make: Factory):
    call = make.call(code="DOWNLOAD-2026")
    proposal = make.proposal(call=call, state="funded")
    officer = make.officer()
    letter = issue_letter_now(db.session, proposal, officer, app.config)
    set_password(db.session, officer, PASSWORD)
    officer.locale = "en"
    db.session.commit()
    refresh()
    client.post("/auth/login", data={"email": officer.email, "password": PASSWORD})
    listed = client.get(f"/officer/funding/{call.code}/letters").text
    assert f'href="/officer/funding/letters/{letter.id}.pdf"' in listed
    assert f"Download {letter.folio}" in listed
    response = client.get(f"/officer/funding/letters/{letter.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;"), disposition
    assert "DOWNLOAD-2026-0001.pdf" in disposition, disposition
