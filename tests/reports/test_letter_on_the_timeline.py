"""A letter on the officers' timeline of a proposal is named for what happened to it ("Letter
issued", with its folio), never in the words of another thing's state: a letter's reserved
state is stored as `pending`, which the pages otherwise read as a reviewer's "To declare"."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from evalflow.decisions.issuing import issue_letter_now
from evalflow.extensions import db
from tests.factories import Factory, sign_in


def _letter_item(html: str) -> str:
    """The timeline entry of the letter's issue."""
    items = [item for item in re.findall(r"<li>(.*?)</li>", html, re.S)
             if "issued" in item]
    assert len(items) == 1, items
    return items[0]


def test_the_officers_timeline_names_the_issued_letter_and_its_folio(
        app: Flask, client: FlaskClient, make: Factory):
    call = make.call()
    proposal = make.proposal(call=call, state="funded")
    officer = make.officer()
    letter = issue_letter_now(db.session, proposal, officer, app.config)
    sign_in(client, officer)
    html = client.get(f"/officer/reports/{call.code}/proposals/{proposal.id}/history").text
    item = _letter_item(html)
    assert "Letter issued" in item and letter.folio in item
    assert "To declare" not in item and "→" not in item
    assert "Reviewed → Funded" in html  # the proposal's own states are still shown
