"""The institution's timeline of its proposal says "letter issued" when its letter is issued,
never in the words of another thing's state: a letter's reserved state is stored as `pending`,
which the pages otherwise read as a reviewer's "To declare"."""

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


def test_the_institutions_timeline_says_the_letter_was_issued(
        app: Flask, client: FlaskClient, make: Factory):
    applicant = make.user("applicant")
    proposal = make.proposal(applicant=applicant, state="funded")
    issue_letter_now(db.session, proposal, make.officer(), app.config)
    sign_in(client, applicant)
    html = client.get(f"/institution/proposals/{proposal.id}").text
    item = _letter_item(html)
    assert "letter issued" in item
    assert "To declare" not in item and "from " not in item
    assert "from Reviewed to Funded" in html


def test_a_letter_that_failed_to_render_stays_off_the_institutions_timeline(
        app: Flask, client: FlaskClient, make: Factory):
    from evalflow.audit import proposal_history
    from evalflow.decisions.services import record_failure, reserve_letter

    applicant = make.user("applicant")
    proposal = make.proposal(applicant=applicant, state="funded")
    officer = make.officer()
    letter = reserve_letter(db.session, proposal, officer)
    db.session.commit()
    record_failure(db.session, letter, "OSError: font cache unwritable", officer)
    db.session.commit()
    sign_in(client, applicant)
    html = client.get(f"/institution/proposals/{proposal.id}").text
    assert "font cache" not in html and "OSError" not in html
    assert "from Reviewed to Funded" in html
    officers_view = [e.action for e in proposal_history(db.session, proposal.id, internal=True)]
    assert "letter.fail" in officers_view  # the officers still see it, with its reason
