"""A program officer runs a call in the browser: designs and opens it, screens what the
institutions submitted, assigns reviewers automatically, then (once the committee has
reviewed) funds down the ranking within the budget, issues the letters and reads the
dashboard and a proposal's history."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect

from evalflow.calls.models import Call
from evalflow.extensions import db
from evalflow.proposals.models import Proposal
from tests.browser.conftest import LiveApp, login, screenshot

ZONE = ZoneInfo("America/Mexico_City")
LOCAL = "%Y-%m-%dT%H:%M"


def _long_date(moment: datetime) -> str:
    """A local time as the English pages write it: "10 January 2026, 09:00"."""
    return f"{moment.day} {moment:%B %Y, %H:%M}"


def _rows(page: Page, fieldset: str) -> Locator:
    return page.locator(f"#{fieldset} [data-row-list] [data-row]")


def _border(field: Locator) -> str:
    return field.evaluate("element => getComputedStyle(element).borderTopWidth")


def _cell(page: Page, fieldset: str, label: str) -> Locator:
    """A row field of the designer by its hidden label ("Weight 2"), within its fieldset."""
    return page.locator(f"#{fieldset}").get_by_label(label, exact=True)


# --- design, open, screen, assign ----------------------------------------------------------

DESIGNED = "OFFICER-DESIGN"
DESIGNER = "olga.officer@example.mx"
REQUIREMENT_1 = "The institution is registered in the national registry (RENIECYT)"
REQUIREMENT_2 = "A letter of support signed by the legal representative is attached"


def _submit_proposals(live_app: LiveApp) -> dict[str, str]:
    """Four institutions submit a proposal to the call the officer opened, and three
    reviewers are available. Returns each proposal's title → reference."""
    with live_app.data() as make:
        call = db.session.query(Call).filter_by(code=DESIGNED).one()
        for name in ("Rosa Revisora", "Raúl Revisor", "Renata Revisora"):
            make.user("reviewer", name=name)
        submitted = {}
        for institution, title, sector, amount in [
            ("Universidad Ficticia del Norte", "Water sensors for the Bajío", "TIC",
             "950000.00"),
            ("Instituto Ficticio de Salud", "Rural telemedicine network", "SAL", "800000.00"),
            ("Centro Ficticio de Datos", "Open data for municipalities", "TIC", "600000.00"),
            ("Colegio Ficticio del Sur", "Vaccine cold chain monitoring", "SAL", "700000.00"),
        ]:
            applicant = make.user("applicant", institution=institution)
            proposal = make.proposal(
                call=call, applicant=applicant, state="submitted", title=title, sector=sector,
                summary=f"{title}: a two-year project with the state government.",
                work_plan="Year 1: pilot in two municipalities. Year 2: scale up and evaluate.",
                requested_amount=amount, budget_lines=[{"concept": "Staff", "amount": amount}],
            )
            submitted[title] = proposal.reference
        return submitted


def test_officer_designs_opens_screens_and_assigns(page: Page, live_app: LiveApp) -> None:
    """Designer (refused, then fixed) → open → screening with the checklist and a rejection →
    bulk approval → automatic assignment on the board."""
    with live_app.data() as make:
        live_app.user(make, "officer", email=DESIGNER, name="Olga Officer")
    now = datetime.now(ZONE).replace(second=0, microsecond=0)
    opens = (now - timedelta(days=1)).replace(hour=9, minute=0)
    closes = (now + timedelta(days=30)).replace(hour=18, minute=0)

    login(page, DESIGNER)
    expect(page).to_have_url(re.compile(r"/officer/calls/$"))
    expect(page.get_by_role("heading", name="Calls", exact=True)).to_be_visible()
    page.get_by_role("link", name="New call").click()
    expect(page.get_by_role("heading", name="New call")).to_be_visible()

    # The call's own fields; the closing date typed before the opening by mistake.
    page.get_by_label("Code", exact=True).fill(DESIGNED)
    page.get_by_label("Title", exact=True).fill("Regional innovation fund 2026")
    page.get_by_label("Description", exact=True).fill(
        "Projects that bring research to the regions' public services.")
    page.get_by_label("Language of the call").select_option("en")
    page.get_by_label("Time zone").fill("America/Mexico_City")
    page.get_by_label("Opens").fill(opens.strftime(LOCAL))
    page.get_by_label("Closes").fill((opens - timedelta(days=1)).strftime(LOCAL))
    page.get_by_label("Currency").fill("MXN")
    page.get_by_label("Total budget").fill("5000000.00")
    page.get_by_label("Cap per proposal").fill("1000000.00")
    page.get_by_label("Reviewers per proposal").fill("2")

    # Two sectors, a two-item checklist and a two-criterion rubric (rows added on the page).
    _cell(page, "sectors", "Code 1").fill("TIC")
    _cell(page, "sectors", "Sector 1").fill("Information and communication technologies")
    page.get_by_role("button", name="Add a sector").click()
    expect(_rows(page, "sectors")).to_have_count(2)
    _cell(page, "sectors", "Code 2").fill("SAL")
    _cell(page, "sectors", "Sector 2").fill("Health")
    _cell(page, "eligibility_criteria", "Code 1").fill("E1")
    _cell(page, "eligibility_criteria", "Requirement 1").fill(REQUIREMENT_1)
    page.get_by_role("button", name="Add a requirement").click()
    _cell(page, "eligibility_criteria", "Code 2").fill("E2")
    _cell(page, "eligibility_criteria", "Requirement 2").fill(REQUIREMENT_2)
    weight_sum = page.locator("[data-weight-total]")
    for n, (code, name, weight, threshold) in enumerate(
        [("C1", "Scientific quality", "0.6", "6"), ("C2", "Regional impact", "0.3", "")],
        start=1,
    ):
        if n > 1:
            page.get_by_role("button", name="Add a criterion").click()
        _cell(page, "criteria", f"Code {n}").fill(code)
        _cell(page, "criteria", f"Criterion {n}").fill(name)
        _cell(page, "criteria", f"Weight {n}").fill(weight)
        _cell(page, "criteria", f"Minimum {n}").fill("1")
        _cell(page, "criteria", f"Maximum {n}").fill("10")
        _cell(page, "criteria", f"Threshold {n}").fill(threshold)
    expect(weight_sum).to_have_text(
        "The weights add up to 0.9; they must add up to 1 (or 100).")

    # Saved anyway: refused, each error in place and what was typed kept.
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text(
        "The call is not valid. Check the fields marked below.")
    expect(page.locator("#closes_at-error")).to_have_text("The call must close after it opens.")
    expect(page.get_by_label("Closes")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#criteria-error")).to_have_text(
        "The weights add up to 0.9; they must add up to 1 (or 100).")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Regional innovation fund 2026")
    expect(_cell(page, "criteria", "Weight 2")).to_have_value("0.3")
    expect(_cell(page, "eligibility_criteria", "Requirement 2")).to_have_value(REQUIREMENT_2)
    # Only the field in error is outlined, not every cell of the rubric whose sum is wrong.
    assert _border(page.get_by_label("Closes")) == "2px"
    assert _border(_cell(page, "criteria", "Description 1")) == "1px"
    screenshot(page, "call-designer-error")

    # Fixed: the sum says so as it is typed, and the call is saved in draft.
    page.get_by_label("Closes").fill(closes.strftime(LOCAL))
    _cell(page, "criteria", "Weight 2").fill("0.4")
    expect(weight_sum).to_have_text("The weights add up to 1, as they must.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(f"The call {DESIGNED} is saved as a draft.")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/officer/calls/{DESIGNED}/edit$"))
    expect(page.get_by_role("heading", name=f"Call {DESIGNED}")).to_contain_text("Draft")
    expect(page.get_by_label("Closes")).to_have_value(closes.strftime(LOCAL))
    expect(page.get_by_label("Total budget")).to_have_value("5000000.00")
    expect(_rows(page, "criteria")).to_have_count(2)
    expect(weight_sum).to_have_text("The weights add up to 1, as they must.")
    screenshot(page, "call-designer")

    # Opened after confirming.
    page.get_by_role("link", name="Back to the calls").click()
    row = page.get_by_role("row").filter(has_text=f"{DESIGNED} — Regional innovation fund")
    expect(row).to_contain_text("Draft")
    row.get_by_role("link", name=f"Open {DESIGNED}").click()
    expect(page.get_by_role("heading", name=f"Open the call {DESIGNED}?")).to_be_visible()
    expect(page.get_by_text(f"Closes: {_long_date(closes)} (Mexico City time)")) \
        .to_be_visible()
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_text(f"The call {DESIGNED} is now: Open.")).to_be_visible()
    expect(row).to_contain_text("Open")
    expect(row.get_by_role("link", name=f"Close {DESIGNED}")).to_be_visible()

    # The institutions submit (through the services); the list counts what arrived.
    references = _submit_proposals(live_app)
    page.reload()
    expect(row.get_by_role("cell").nth(3)).to_have_text("4")  # received
    expect(row.get_by_role("cell").nth(4)).to_have_text("0")  # eligible

    # Screening: nothing screened yet.
    page.get_by_role("link", name="Eligibility screening").click()
    section = page.get_by_role("region", name=f"{DESIGNED} — Regional innovation fund 2026")
    expect(section.locator("[data-progress]")).to_have_text("0 of 4 screened")
    expect(section.get_by_role("row")).to_have_count(5)  # heading and four proposals

    # One proposal read, its checklist answered, and rejected with a reason.
    rejected = references["Vaccine cold chain monitoring"]
    section.get_by_role("link", name=rejected).click()
    expect(page.get_by_role("heading", name=rejected)).to_contain_text("Submitted")
    expect(page.get_by_text("Colegio Ficticio del Sur")).to_be_visible()
    expect(page.get_by_text("Year 1: pilot in two municipalities.", exact=False)).to_be_visible()
    expect(page.get_by_text("$700,000.00 (maximum $1,000,000.00)")).to_be_visible()
    page.get_by_role("radiogroup", name=REQUIREMENT_1).get_by_label("Yes").check()
    page.get_by_role("radiogroup", name=REQUIREMENT_2).get_by_label("No").check()
    reject = page.get_by_label("Not eligible: reject")
    reject.check()
    box = reject.bounding_box()
    assert box is not None and box["width"] < 30, box  # a radio button beside its words
    reason = "The letter of support from the legal representative is missing."
    page.get_by_label("Reason").fill(reason)
    screenshot(page, "screening-proposal")
    # A rejection needs its reason; the answers stay as they were given.
    page.get_by_label("Reason").fill("")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#reason-error")).to_have_text(
        "Give the reason for rejecting the proposal.")
    expect(page.get_by_role("radiogroup", name=REQUIREMENT_2).get_by_label("No")).to_be_checked()
    expect(reject).to_be_checked()
    page.get_by_label("Reason").fill(reason)
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text(f"{rejected} is now: Not eligible.")).to_be_visible()
    expect(section.locator("[data-progress]")).to_have_text("1 of 4 screened")
    expect(section.get_by_role("link", name=rejected)).to_have_count(0)
    screenshot(page, "screening-queue")

    # The three others approved at once.
    for title in ("Water sensors for the Bajío", "Rural telemedicine network",
                  "Open data for municipalities"):
        section.get_by_label(f"Select {references[title]}").check()
    section.get_by_role("button", name="Approve the selected proposals as eligible").click()
    expect(page.get_by_text("3 proposals approved as eligible.")).to_be_visible()
    expect(section.locator("[data-progress]")).to_have_text("4 of 4 screened")
    expect(section.get_by_text("Every proposal received has been screened.")).to_be_visible()

    # The rejection is on record, with the checklist's answers.
    page.goto(f"/officer/screening/proposals/{_proposal_id(live_app, rejected)}")
    expect(page.get_by_text(re.compile(r"Screened on .*: not eligible\."))).to_be_visible()
    expect(page.get_by_text(f"{REQUIREMENT_2}: No")).to_be_visible()

    # Automatic assignment: two reviewers for each eligible proposal, loads balanced.
    page.get_by_role("link", name="Calls", exact=True).click()
    row.get_by_role("link", name=f"Assignment board {DESIGNED}").click()
    expect(page.get_by_role("heading", name=f"Assignment board · {DESIGNED}")).to_be_visible()
    expect(page.get_by_text("2 reviewers per proposal")).to_be_visible()
    board = page.locator("#board tbody tr")
    expect(board).to_have_count(3)  # the rejected proposal is not on the board
    expect(page.locator("#board")).not_to_contain_text(rejected)
    expect(page.locator("#board .badge")).to_have_count(0)
    page.get_by_role("button", name="Assign reviewers automatically").click()
    expect(page.get_by_text("6 assignments created.")).to_be_visible()
    for title in ("Water sensors for the Bajío", "Rural telemedicine network",
                  "Open data for municipalities"):
        proposal_row = board.filter(has_text=references[title])
        expect(proposal_row).to_contain_text("Under review")
        expect(proposal_row.locator(".badge", has_text="Assigned")).to_have_count(2)
    loads = [int(text) for text in
             page.locator("#reviewers tbody tr td:nth-of-type(1)").all_inner_texts()]
    assert sum(loads) == 6 and max(loads) - min(loads) <= 1, loads
    for name in ("Rosa Revisora", "Raúl Revisor", "Renata Revisora"):
        expect(page.locator("#reviewers").get_by_role("rowheader", name=name)).to_be_visible()
    screenshot(page, "assignment-board")

    # A second run finds nothing left to do.
    page.get_by_role("button", name="Assign reviewers automatically").click()
    expect(page.get_by_text("0 assignments created.")).to_be_visible()


def _proposal_id(live_app: LiveApp, reference: str) -> int:
    with live_app.data():
        return db.session.query(Proposal.id).filter_by(reference=reference).scalar()


# --- rank, fund, decide, letters, dashboard -------------------------------------------------

FUNDED = "OFFICER-FUND"
FUNDER = "fabiola.funding@example.mx"
RUBRIC = [
    {"code": "C1", "name": "Scientific quality", "weight": 0.6, "min": 1, "max": 10,
     "threshold": 6},
    {"code": "C2", "name": "Regional impact", "weight": 0.4, "min": 1, "max": 10},
]
# Institution, title, sector, amount requested, and each of the two reviewers' scores.
REVIEWED = [
    ("Universidad Ficticia de Sonora", "Solar desalination pilot", "TIC", "950000.00",
     [{"C1": 9, "C2": 9}, {"C1": 9, "C2": 8}]),                       # 9.00, 8.60 → 8.80
    ("Instituto Ficticio de Oaxaca", "Indigenous language archive", "SAL", "1000000.00",
     [{"C1": 9, "C2": 8}, {"C1": 8, "C2": 8}]),                       # 8.60, 8.00 → 8.30
    ("Centro Ficticio de Yucatán", "Coastal erosion monitoring", "TIC", "800000.00",
     [{"C1": 8, "C2": 7}, {"C1": 8, "C2": 8}]),                       # 7.60, 8.00 → 7.80
    ("Universidad Ficticia de Chiapas", "Mobile clinics scheduling", "SAL", "200000.00",
     [{"C1": 5, "C2": 10}, {"C1": 5, "C2": 10}]),                     # 7.00, under C1's 6
    ("Tecnológico Ficticio de Puebla", "Smart irrigation for small farms", "SAL",
     "900000.00", [{"C1": 9, "C2": 8}, {"C1": 5, "C2": 5}]),          # 8.60, 5.00 → 6.80
]


def _reviewed_call(live_app: LiveApp) -> list[str]:
    """An English call of $3,000,000.00 (cap $1,000,000.00) whose five proposals two committee
    members have reviewed, through the services. Returns the references in the order above."""
    with live_app.data() as make:
        live_app.user(make, "officer", email=FUNDER, name="Fabiola Funding")
        call = make.call(code=FUNDED, title="Water and health fund", language="en",
                         total_budget="3000000.00", max_award="1000000.00",
                         reviewers_per_proposal=2, criteria=RUBRIC,
                         sectors=[{"code": "TIC", "name": "Technology"},
                                  {"code": "SAL", "name": "Health"}])
        committee = [make.user("reviewer", name="Rita Ramos"),
                     make.user("reviewer", name="Rubén Ruiz")]
        references = []
        for institution, title, sector, amount, scores in REVIEWED:
            proposal = make.proposal(
                call=call, applicant=make.user("applicant", institution=institution),
                state="reviewed", reviewers=committee, scores=scores, title=title,
                sector=sector, requested_amount=amount,
                budget_lines=[{"concept": "Equipment", "amount": amount}],
            )
            references.append(proposal.reference)
        return references


def test_officer_funds_down_the_ranking_and_issues_letters(
    page: Page, live_app: LiveApp, tmp_path: Path,
) -> None:
    """Ranking → reviews side by side → fund down the ranking (one amount lowered) → close,
    decide once the rest is declined → letters issued and downloaded → dashboard → history."""
    solar, archive, coastal, clinics, irrigation = _reviewed_call(live_app)

    login(page, FUNDER)
    call_row = page.get_by_role("row").filter(has_text=f"{FUNDED} — Water and health fund")
    call_row.get_by_role("link", name=f"Ranking and funding {FUNDED}").click()
    expect(page.get_by_role("heading", name=f"Ranking and funding · {FUNDED}")).to_be_visible()
    budget = page.get_by_role("region", name="Budget")
    expect(budget).to_contain_text("Total budget$3,000,000.00")
    expect(budget).to_contain_text("Awarded$0.00 (0%)")
    expect(budget).to_contain_text("Remaining$3,000,000.00")
    expect(budget).to_contain_text("Cap per proposal$1,000,000.00")

    # Best first; the flags say where the reviewers disagree and who misses a threshold.
    ranking = page.locator("#ranking tbody tr")
    expect(ranking).to_have_count(5)
    for rank, (reference, score) in enumerate(
        [(solar, "8.80"), (archive, "8.30"), (coastal, "7.80"), (clinics, "7.00"),
         (irrigation, "6.80")], start=1,
    ):
        cells = ranking.nth(rank - 1).get_by_role("cell")
        expect(cells.nth(0)).to_have_text(str(rank))
        expect(cells.nth(1)).to_contain_text(reference)
        expect(cells.nth(4)).to_have_text(score)
    expect(ranking.nth(3)).to_contain_text("Below threshold: C1")
    expect(ranking.nth(4)).to_contain_text("3.60 Large disagreement")
    expect(ranking.nth(0)).to_contain_text("All met")

    # The funding line: best first within the budget and the cap; the threshold's miss is
    # left out, and what no longer fits waits on the reserve list.
    line = page.locator("#funding-line")
    expect(line.locator("tbody tr")).to_have_count(3)
    expect(line.get_by_label(f"Amount for {solar}")).to_have_value("950000.00")
    expect(line.get_by_label(f"Amount for {archive}")).to_have_value("1000000.00")
    expect(line.get_by_label(f"Amount for {coastal}")).to_have_value("800000.00")
    expect(line).not_to_contain_text(clinics)
    reserve = page.locator("#reserve li")
    expect(reserve).to_have_count(1)
    expect(reserve.first).to_have_text(
        f"{irrigation} · Tecnológico Ficticio de Puebla · $900,000.00")
    screenshot(page, "ranking")

    # The reviews of the disputed proposal, side by side.
    ranking.nth(4).get_by_role("link", name=irrigation).click()
    expect(page.get_by_role("heading", name=f"{irrigation} · Smart irrigation for small farms")) \
        .to_be_visible()
    expect(page.get_by_text("Score: 6.80 · Spread: 3.60")).to_be_visible()
    reviews = page.locator("#reviews")
    expect(reviews.get_by_role("columnheader")).to_have_text(
        ["Criterion", re.compile(r"Review 1\s*Rita Ramos"), re.compile(r"Review 2\s*Rubén Ruiz")])
    expect(reviews.get_by_role("row", name=re.compile(r"^C1 · Scientific quality"))) \
        .to_have_text(re.compile(r"\(threshold 6\.00\)\s*9\.00\s*5\.00$"))
    expect(reviews.get_by_role("row", name=re.compile("^Weighted score"))) \
        .to_have_text(re.compile(r"8\.60\s*5\.00$"))
    expect(page.get_by_label("Amount", exact=True)).to_have_value("900000.00")
    screenshot(page, "proposal-reviews")
    page.get_by_role("link", name="Back to the ranking").click()

    # The officer lowers one amount, then confirms the line: all three funded at once.
    page.get_by_label(f"Amount for {archive}").fill("900000.00")
    page.get_by_role("button", name="Confirm the funding line").click()
    expect(page.get_by_text("3 proposals funded down the ranking.")).to_be_visible()
    expect(budget).to_contain_text("Awarded$2,650,000.00 (88%)")
    expect(budget).to_contain_text("Remaining$350,000.00")
    expect(budget.get_by_role("img", name="88% of the budget awarded")).to_be_visible()
    expect(ranking.nth(0)).to_contain_text("Funded$950,000.00")
    expect(ranking.nth(1)).to_contain_text("Funded$900,000.00")
    expect(ranking.nth(2)).to_contain_text("Funded$800,000.00")
    expect(page.get_by_text("No proposal lies above the funding line.")).to_be_visible()
    expect(reserve).to_have_count(1)
    screenshot(page, "funding-line")

    # Closed; deciding is refused while two proposals wait, then allowed once declined.
    page.get_by_role("link", name="Calls", exact=True).click()
    call_row.get_by_role("link", name=f"Close {FUNDED}").click()
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.get_by_text(f"The call {FUNDED} is now: Closed.")).to_be_visible()
    call_row.get_by_role("link", name=f"Mark decided {FUNDED}").click()
    page.get_by_role("button", name="Mark decided").click()
    expect(page.get_by_text("Proposals still wait for a decision: 2 reviewed.")).to_be_visible()
    expect(call_row).to_contain_text("Closed")
    call_row.get_by_role("link", name=f"Ranking and funding {FUNDED}").click()
    for row, reason in ((ranking.nth(3), "Below the quality threshold."),
                        (ranking.nth(4), "The budget is spent; first on the reserve list.")):
        row.get_by_label("Reason for declining").fill(reason)
        row.get_by_role("button", name="Decline").click()
        expect(page.get_by_text(re.compile(r"is declined\.$"))).to_be_visible()
    expect(ranking.nth(3)).to_contain_text("Not funded")
    expect(ranking.nth(4)).to_contain_text("Not funded")
    page.get_by_role("link", name="Letters").click()
    expect(page.get_by_text("Letters are issued once the call is decided.")).to_be_visible()
    page.get_by_role("link", name="Calls", exact=True).click()
    call_row.get_by_role("link", name=f"Mark decided {FUNDED}").click()
    page.get_by_role("button", name="Mark decided").click()
    expect(page.get_by_text(f"The call {FUNDED} is now: Decided.")).to_be_visible()

    # Letters: every owed letter issued at once, each with its folio and code, as a PDF.
    call_row.get_by_role("link", name=f"Ranking and funding {FUNDED}").click()
    page.get_by_role("link", name="Letters").click()
    expect(page.get_by_text("5 letters are owed.")).to_be_visible()
    page.get_by_role("button", name="Issue all owed letters").click()
    expect(page.get_by_text("5 issued, 0 failed, of 5 owed.")).to_be_visible()
    expect(page.get_by_text("Every letter is issued.")).to_be_visible()
    issued = page.locator("#letters tbody tr")
    expect(issued).to_have_count(5)
    for reference, kind in ((solar, "Award"), (archive, "Award"), (coastal, "Award"),
                            (clinics, "Decline"), (irrigation, "Decline")):
        letter = issued.filter(has_text=reference)
        expect(letter.get_by_role("cell").nth(0)).to_have_text(re.compile(rf"^{FUNDED}/\d{{4}}$"))
        expect(letter.get_by_role("cell").nth(3)).to_have_text(kind)
        expect(letter.locator("code")).to_have_text(re.compile(r"^([2-9A-Z]{4}-){3}[2-9A-Z]{4}$"))
    screenshot(page, "letters")
    solar_letter = issued.filter(has_text=solar)
    folio = solar_letter.get_by_role("cell").nth(0).inner_text()
    with page.expect_download() as download_info:
        solar_letter.get_by_role("link", name=f"Download {folio}").click()
    download = download_info.value
    assert download.suggested_filename == folio.replace("/", "-") + ".pdf", \
        download.suggested_filename
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-"), pdf.read_bytes()[:20]

    # The dashboard: the funnel, sectors, amounts and reviewers' totals, drawn and tabled.
    page.get_by_role("link", name="Calls", exact=True).click()
    call_row.get_by_role("link", name=f"Call dashboard {FUNDED}").click()
    expect(page.get_by_role("heading", name="Water and health fund")).to_be_visible()
    expect(page.get_by_text("Budget $3,000,000.00; awarded $2,650,000.00; remaining "
                            "$350,000.00.")).to_be_visible()
    funnel = page.get_by_role("table", name="Proposals at each step of the call")
    expect(funnel.get_by_role("cell")).to_have_text(["5", "5", "0", "0", "5", "3", "2"])
    sectors = page.get_by_role("table", name="Proposals and amounts by sector")
    for sector, figures in (("Technology", ["2", "2", "2", "$1,750,000.00"]),
                            ("Health", ["3", "3", "1", "$900,000.00"]),
                            ("Total", ["5", "5", "3", "$2,650,000.00"])):
        expect(sectors.get_by_role("row", name=re.compile(f"^{sector} ")).get_by_role("cell")) \
            .to_have_text(figures)
    charts = page.locator("figure > svg")
    expect(charts).to_have_count(4)
    for chart in charts.all():
        expect(chart).to_have_attribute("role", "img")
    expect(page.locator("figure svg title").first).to_contain_text(f"Funnel of call {FUNDED}")
    screenshot(page, "dashboard")

    # One proposal's history, from submission to its letter.
    page.get_by_role("link", name=f"History of {solar}").click()
    expect(page.get_by_role("heading", name=f"History of {solar}")).to_be_visible()
    timeline = page.locator("ol.timeline > li")
    for action, times in (("Submitted", 1), ("Found eligible", 1), ("Reviewer assigned", 2),
                          ("Review submitted", 2), ("Funded", 1), ("Letter issued", 1)):
        expect(timeline.filter(has_text=re.compile(rf"What{action} "))).to_have_count(times)
    expect(timeline.filter(has_text="Funded proposal.fund")).to_contain_text(
        "Amount$950,000.00")
    expect(timeline.filter(has_text="Letter issued")).to_contain_text(f"Folio{folio}")
    expect(timeline.last).to_contain_text(f"Who{FUNDER}")
    expect(timeline.last).not_to_contain_text("State")  # a letter's states are its own
    screenshot(page, "proposal-history")
