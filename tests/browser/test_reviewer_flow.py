"""A committee member reviews an assigned proposal in the browser: declares no conflict, saves
a draft, finds it again after a reload, submits after confirming, and cannot open a proposal
assigned to someone else."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from evalflow.extensions import db
from evalflow.reviews.models import ReviewAssignment
from tests.browser.conftest import LiveApp, login, screenshot

REVIEWER = "rita.reviewer@example.mx"
TITLE = "Contact point for health research"
CRITERIA = [
    {"code": "C1", "name": "Quality", "weight": 0.6, "min": 1, "max": 10, "threshold": 6},
    {"code": "C2", "name": "Impact", "weight": 0.4, "min": 1, "max": 10},
]


def _world(live_app: LiveApp) -> tuple[int, int]:
    """An English call; one proposal under review by our reviewer and a colleague, and one
    assigned only to others. Returns (our assignment id, someone else's assignment id)."""
    with live_app.data() as make:
        call = make.call(code="BROWSER-REVIEW", title="Talent network", language="en",
                         criteria=CRITERIA)
        reviewer = live_app.user(make, "reviewer", email=REVIEWER, name="Rita Reviewer")
        colleague = make.user("reviewer")
        ours = make.proposal(call=call, state="under_review", reviewers=[reviewer, colleague],
                             title=TITLE, sector="SAL")
        theirs = make.proposal(call=call, state="under_review", title="Not yours to read",
                               reviewers=[make.user("reviewer"), make.user("reviewer")])
        mine = db.session.query(ReviewAssignment).filter_by(
            proposal_id=ours.id, reviewer_id=reviewer.id).one()
        other = db.session.query(ReviewAssignment).filter_by(proposal_id=theirs.id).first()
        return mine.id, other.id


def test_reviewer_declares_drafts_and_submits(page: Page, live_app: LiveApp) -> None:
    """Assignments → no conflict → draft saved and found again → confirm → read-only."""
    mine, other = _world(live_app)

    login(page, REVIEWER)
    expect(page).to_have_url(re.compile(r"/reviews/$"))
    expect(page.get_by_role("heading", name="My assignments")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("To declare")
    expect(page.get_by_text("Not yours to read")).to_have_count(0)
    screenshot(page, "reviewer-assignments")

    # The declaration comes before the proposal's content.
    row.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(live_app.url(f"/reviews/{mine}"))
    expect(page.get_by_role("heading", name="Conflict of interest")).to_be_visible()
    expect(page.get_by_role("heading", name="The proposal")).to_have_count(0)
    screenshot(page, "conflict-declaration")
    page.get_by_label("No, I have no conflict of interest").check()
    page.get_by_role("button", name="Send my declaration").click()
    expect(page.get_by_text("You declared no conflict of interest.")).to_be_visible()
    expect(page.get_by_role("heading", name="The proposal")).to_be_visible()

    # Scores and comments saved as a draft.
    page.get_by_label("Quality", exact=True).fill("8")
    expect(page.locator("#review-total")).to_have_text("8.00")  # the total runs as you type
    page.get_by_label("Impact", exact=True).fill("7")
    expect(page.locator("#review-total")).to_have_text("7.60")
    page.get_by_label("Comment for the applicant").fill("Clear goals; widen the network.")
    page.get_by_label("Comment for the committee").fill("Strong team, modest budget.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Your draft is saved.")).to_be_visible()
    expect(page.locator("#review-total")).to_have_text("7.60")

    # A reload finds the draft as it was left.
    page.reload()
    expect(page.get_by_label("Quality", exact=True)).to_have_value("8")
    expect(page.get_by_label("Impact", exact=True)).to_have_value("7")
    expect(page.get_by_label("Comment for the applicant")).to_have_value(
        "Clear goals; widen the network.")
    expect(page.get_by_label("Comment for the committee")).to_have_value(
        "Strong team, modest budget.")
    screenshot(page, "scoring-form")
    screenshot(page, "scoring-form-phone", phone=True)
    page.get_by_role("link", name="My assignments").click()
    expect(page.get_by_role("row").filter(has_text=TITLE)).to_contain_text("Draft saved")
    page.get_by_role("link", name=TITLE).click()

    # Submitting asks for confirmation first, then the review is final and read-only.
    page.get_by_role("button", name="Submit…").click()
    expect(page.get_by_role("heading", name="Confirm your review")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("My scores"))).to_contain_text("7.60")
    page.get_by_role("button", name="Submit my review").click()
    expect(page.get_by_text("Your review is submitted. Thank you.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Submitted on .*final and cannot change"))).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("spinbutton")).to_have_count(0)
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    scores = page.get_by_role("table", name="My scores")
    expect(scores.get_by_role("row", name=re.compile(r"^Quality 8\b"))).to_have_count(1)
    expect(scores.get_by_role("row", name=re.compile(r"^Impact 7\b"))).to_have_count(1)
    expect(page.get_by_text("Clear goals; widen the network.")).to_be_visible()
    expect(page.get_by_text("No other reviewer has submitted a review yet.")).to_be_visible()

    # Someone else's assignment does not exist for this reviewer.
    response = page.goto(f"/reviews/{other}")
    assert response is not None and response.status == 404, response and response.status
    expect(page.get_by_text("Not yours to read")).to_have_count(0)
    expect(page.get_by_text(re.compile("not found", re.IGNORECASE)).first).to_be_visible()
