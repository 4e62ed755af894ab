"""The letters page follows a batch a worker runs: the bar and the counts move without a
reload, and once the batch ends the page reloads to list the issued letters."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from evalflow.database import write_intent
from evalflow.decisions.batches import request_letter_batch, run_letter_batch
from evalflow.decisions.models import LetterBatch
from evalflow.extensions import db
from tests.browser.conftest import LiveApp, login
from tests.decisions.test_letter_batches import decided_call


def test_the_letters_page_follows_a_batch_until_it_ends(page: Page, live_app: LiveApp) -> None:
    with live_app.data() as make:
        officer = live_app.user(make, "officer", email="letters-progress@example.mx",
                                name="Lena Progreso")
        call = decided_call(make)
        batch = request_letter_batch(db.session, call, officer)  # queued: no worker yet
        db.session.commit()
        code, batch_id = call.code, batch.id

    login(page, "letters-progress@example.mx")
    page.goto(f"/officer/funding/{code}/letters")
    expect(page.get_by_text("Waiting for a worker since")).to_be_visible()
    expect(page.locator("#batch-counts")).to_have_text("0 issued, 0 failed, of 3 owed.")
    page.evaluate("window.sameDocument = true")

    with live_app.data():
        db.session.execute(sa.update(LetterBatch).where(LetterBatch.id == batch_id)
                           .values(issued=1))
        db.session.commit()
    expect(page.locator("#batch-counts")).to_have_text("1 issued, 0 failed, of 3 owed.")
    expect(page.locator("#batch-progress")).to_have_js_property("value", 1)
    assert page.evaluate("window.sameDocument") is True  # moved without a reload

    with live_app.data(), write_intent():  # what a worker does
        run_letter_batch(batch_id)
    expect(page.get_by_text("Every letter is issued.")).to_be_visible()
    expect(page.locator("#letters tbody tr")).to_have_count(3)
    expect(page.locator("#batch-counts")).to_have_text("3 issued, 0 failed, of 3 owed.")
    assert page.evaluate("window.sameDocument") is None  # reloaded once the batch ended
