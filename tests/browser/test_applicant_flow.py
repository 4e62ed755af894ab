"""An institution drafts, documents and submits a proposal in the browser, then, once the
officers have decided it through the services, downloads its award letter."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from evalflow.decisions.services import fund_proposal
from evalflow.extensions import db
from evalflow.proposals.models import Proposal
from evalflow.proposals.services import screen_proposal
from evalflow.reviews.assignments import assign_reviewer
from evalflow.reviews.services import save_review
from tests.browser.conftest import LiveApp, login, screenshot, write_file
from tests.factories import PDF

APPLICANT = "ana.applicant@example.mx"
CALL = "BROWSER-APPLICANT"


def _budget_line(page: Page, number: int) -> Locator:
    """The n-th budget line (from 1) of the draft editor."""
    return page.locator("[data-budget-line]").nth(number - 1)


def _decide_and_fund(live_app: LiveApp, reference: str) -> None:
    """What officers and reviewers do meanwhile, through the services: the proposal is found
    eligible, reviewed by two committee members and funded for its full request."""
    with live_app.data() as make:
        proposal = db.session.query(Proposal).filter_by(reference=reference).one()
        officer = make.officer()
        screen_proposal(db.session, proposal, officer, eligible=True)
        db.session.commit()
        reviewers = [make.user("reviewer") for _ in range(proposal.call.reviewers_per_proposal)]
        assignments = [assign_reviewer(db.session, proposal, r, officer) for r in reviewers]
        db.session.commit()
        for assignment, reviewer in zip(assignments, reviewers, strict=True):
            save_review(db.session, assignment, reviewer, {
                "scores": {"C1": 9, "C2": 8}, "comment_to_applicant": "A clear work plan.",
                "comment_to_committee": "Strong team.", "submit": True,
            })
            db.session.commit()
        db.session.refresh(proposal)
        assert proposal.state.value == "reviewed", proposal.state
        fund_proposal(db.session, proposal, officer, proposal.requested_amount)
        db.session.commit()


def test_applicant_drafts_submits_and_downloads_the_letter(
    page: Page, live_app: LiveApp, tmp_path: Path,
) -> None:
    """Draft → budget that adds up → PDF → confirm → read-only view with history → letter."""
    with live_app.data() as make:
        make.call(code=CALL, title="National Contact Points", language="en")
        live_app.user(make, "applicant", email=APPLICANT, name="Ana Applicant",
                      institution="Instituto de Pruebas (fictional)")

    login(page, APPLICANT)
    expect(page).to_have_url(re.compile(r"/institution/$"))
    expect(page.get_by_role("heading", name="Instituto de Pruebas (fictional)")).to_be_visible()
    screenshot(page, "applicant-home")

    # Start a draft in the open call.
    page.get_by_role("button", name=f"Start a proposal {CALL}").click()
    expect(page).to_have_url(re.compile(r"/institution/proposals/\d+/edit$"))
    started = page.get_by_text(re.compile(r"Your draft \S+ is started"))
    expect(started).to_be_visible()
    reference = re.search(r"Your draft (\S+) is started", started.inner_text()).group(1)

    # The fields, then budget lines added on the page until they add up to the request.
    page.get_by_label("Sector").select_option("TIC")
    page.get_by_label("Title", exact=True).fill("National Contact Point for ICT")
    page.get_by_label("Summary", exact=True).fill("Follow-up of joint ICT projects.")
    page.get_by_label("Requested amount").fill("950000.00")
    _budget_line(page, 1).get_by_role("textbox").nth(0).fill("Staff")
    _budget_line(page, 1).get_by_role("textbox").nth(1).fill("600000.00")
    running_total = page.locator("[data-budget-total]")
    expect(running_total).to_contain_text("Difference")
    page.get_by_role("button", name="Add a budget line").click()
    expect(page.locator("[data-budget-line]")).to_have_count(2)
    _budget_line(page, 2).get_by_role("textbox").nth(0).fill("Travel")
    _budget_line(page, 2).get_by_role("textbox").nth(1).fill("350000.00")
    expect(running_total).to_contain_text("The budget adds up.")
    page.get_by_role("button", name="Save draft", exact=True).last.click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    expect(running_total).to_contain_text("950,000.00")
    expect(_budget_line(page, 2).get_by_role("textbox").nth(1)).to_have_value("350000.00")

    # A PDF document (saved first: uploading reloads the page).
    pdf = write_file(tmp_path, "work-plan.pdf", PDF)
    page.get_by_label("PDF document").set_input_files(str(pdf))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("work-plan.pdf is attached.")).to_be_visible()
    expect(page.locator("#documents").get_by_role("link", name="work-plan.pdf")).to_be_visible()
    screenshot(page, "draft-editor")
    screenshot(page, "draft-editor-phone", phone=True)

    # The confirmation summary, then submission.
    page.get_by_role("button", name="Save and review before submitting").click()
    expect(page).to_have_url(re.compile(r"/submit$"))
    expect(page.get_by_role("heading", name=f"Submit {reference}")).to_be_visible()
    expect(page.get_by_text("This proposal cannot be submitted yet")).to_have_count(0)
    expect(page.get_by_text("National Contact Point for ICT")).to_be_visible()
    screenshot(page, "confirm-submit")
    page.get_by_role("button", name="Submit the proposal").click()

    # Read-only, with its history.
    expect(page.get_by_text(f"Proposal {reference} is submitted.")).to_be_visible()
    expect(page.get_by_role("heading", name=reference)).to_contain_text("Submitted")
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    timeline = page.locator("ol.timeline > li")
    expect(timeline.filter(has_text="draft started")).to_have_count(1)
    expect(timeline.filter(has_text="from Draft to Submitted")).to_have_count(1)
    screenshot(page, "proposal-view")

    # Meanwhile the committee and the officers decide; the letter is issued on first download.
    _decide_and_fund(live_app, reference)
    page.reload()
    expect(page.get_by_role("heading", name="Decision")).to_be_visible()
    expect(page.get_by_text("Amount awarded: $950,000.00")).to_be_visible()
    expect(page.get_by_text("A clear work plan.").first).to_be_visible()
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("link", name="Download the letter (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    letter = Path(download.path())
    assert letter.read_bytes().startswith(b"%PDF"), letter.read_bytes()[:20]

    page.reload()
    expect(page.get_by_text(re.compile(r"Folio \S+"))).to_be_visible()
    expect(page.locator("ol.timeline > li").filter(has_text="from Reviewed to Funded")) \
        .to_have_count(1)


def test_budget_line_labels_name_their_line(page: Page, live_app: LiveApp) -> None:
    """Every budget line's two fields are labelled with the line's own number, as served."""
    with live_app.data() as make:
        call = make.call(language="en")
        applicant = live_app.user(make, "applicant", email="labels.applicant@example.mx",
                                  name="Luis Labels", institution="Instituto de Etiquetas")
        proposal = make.proposal(call=call, applicant=applicant)
        proposal_id = proposal.id
    page.route("**/static/js/*.js", lambda route: route.abort())  # the labels as served
    login(page, "labels.applicant@example.mx")
    page.goto(f"/institution/proposals/{proposal_id}/edit")
    expect(page.locator("[data-budget-line]")).to_have_count(2)
    for number in (1, 2):
        line = _budget_line(page, number)
        expect(line.get_by_label(f"Concept {number}", exact=True)).to_have_count(1)
        expect(line.get_by_label(f"Amount {number}", exact=True)).to_have_count(1)
