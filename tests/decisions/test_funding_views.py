"""The program officers' ranking, funding, fund-down-the-ranking and letters pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask_babel import refresh

from evalflow.auth.models import User
from evalflow.auth.services import create_user
from evalflow.calls.models import Call
from evalflow.calls.services import transition_call
from evalflow.decisions.models import Letter, LetterState
from evalflow.extensions import db
from evalflow.proposals.models import Proposal, ProposalState
from tests.factories import Factory

PASSWORD = "correct horse"
TOP = [{"C1": 10, "C2": 10}, {"C1": 9, "C2": 10}]
MIDDLE = [{"C1": 8, "C2": 8}, {"C1": 8, "C2": 7}]
LOW = [{"C1": 7, "C2": 6}, {"C1": 7, "C2": 6}]
WEAK = [{"C1": 5, "C2": 10}, {"C1": 5, "C2": 10}]
SPLIT = [{"C1": 10, "C2": 10}, {"C1": 6, "C2": 4}]


def signed_in(client: FlaskClient, role: str = "officer", *, english: bool = True) -> User:
    user = create_user(db.session, email=f"{role}-page@example.mx", name=f"{role} page",
                       role=role, institution="Instituto X" if role == "applicant" else None,
                       password=PASSWORD)
    if english:
        user.locale = "en"
    db.session.commit()
    refresh()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return user


@pytest.fixture
def world(make: Factory) -> dict[str, Any]:
    """A call with room for two awards of 950,000 and four reviewed proposals."""
    call = make.call(total_budget="2000000.00")
    top = make.proposal(call=call, state="reviewed", scores=TOP, title="Top")
    middle = make.proposal(call=call, state="reviewed", scores=MIDDLE, sector="SAL")
    weak = make.proposal(call=call, state="reviewed", scores=WEAK)
    low = make.proposal(call=call, state="reviewed", scores=LOW)
    return {"call": call, "top": top, "middle": middle, "weak": weak, "low": low}


def url(call: Call, tail: str = "") -> str:
    return f"/officer/funding/{call.code}{tail}"


def order(html: str, *proposals: Proposal) -> list[int]:
    return sorted(range(len(proposals)),
                  key=lambda i: html.index(f'id="proposal-{proposals[i].id}"'))


# Access ----------------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, world):
    for path in (url(world["call"]), url(world["call"], "/letters"),
                 url(world["call"], f"/proposals/{world['top'].id}")):
        response = client.get(path)
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["applicant", "reviewer"])
def test_applicants_and_reviewers_are_refused(client: FlaskClient, world, role: str):
    signed_in(client, role)
    call, top = world["call"], world["top"]
    assert client.get(url(call)).status_code == 403
    assert client.get(url(call, f"/proposals/{top.id}")).status_code == 403
    assert client.get(url(call, "/letters")).status_code == 403
    assert client.post(url(call, f"/proposals/{top.id}/fund"),
                       data={"amount": "100"}).status_code == 403
    assert client.post(url(call, "/line")).status_code == 403
    assert top.state == ProposalState.REVIEWED


def test_the_ranking_and_letters_are_in_spanish_by_default(client, world):
    signed_in(client, english=False)
    for path in (url(world["call"]), url(world["call"], "/letters"),
                 url(world["call"], f"/proposals/{world['top'].id}")):
        response = client.get(path)
        assert response.status_code == 200
        assert 'lang="es"' in response.text


def test_an_unknown_call_or_another_calls_proposal_is_not_found(client, make, world):
    signed_in(client)
    other = make.proposal(state="reviewed")
    assert client.get("/officer/funding/NOPE").status_code == 404
    assert client.get(url(world["call"], f"/proposals/{other.id}")).status_code == 404


# Ranking ---------------------------------------------------------------------------------------

def test_the_ranking_lists_reviewed_proposals_best_first_with_flags(client, world):
    signed_in(client)
    html = client.get(url(world["call"])).text
    assert order(html, world["top"], world["middle"], world["weak"], world["low"]) == [0, 1, 2, 3]
    assert "Below threshold: C1" in html
    assert "2,000,000.00" in html and "Remaining" in html
    assert world["middle"].reference in html


def test_large_disagreements_are_highlighted(client, make, world):
    split = make.proposal(call=world["call"], state="reviewed", scores=SPLIT)
    signed_in(client)
    html = client.get(url(world["call"])).text
    row = html[html.index(f'id="proposal-{split.id}"'):]
    row = row[:row.index("</tr>")]
    assert "Large disagreement" in row


def test_the_ranking_filters_by_sector(client, world):
    signed_in(client)
    html = client.get(url(world["call"], "?sector=SAL")).text
    assert f'id="proposal-{world["middle"].id}"' in html
    assert f'id="proposal-{world["top"].id}"' not in html


def test_the_reviews_are_shown_side_by_side(client, world):
    signed_in(client)
    response = client.get(url(world["call"], f"/proposals/{world['top'].id}"))
    assert response.status_code == 200
    assert "Review 1" in response.text and "Review 2" in response.text
    assert "Sólido" in response.text


# Funding ---------------------------------------------------------------------------------------

def test_an_officer_funds_within_the_budget(client, world):
    signed_in(client)
    top = world["top"]
    response = client.post(url(world["call"], f"/proposals/{top.id}/fund"),
                           data={"amount": "900000.00", "reason": "Excelente"})
    assert response.status_code == 302
    db.session.refresh(top)
    assert top.state == ProposalState.FUNDED
    assert top.awarded_amount == Decimal("900000.00")
    html = client.get(response.headers["Location"]).text
    assert "is funded" in html


@pytest.mark.parametrize(("next_path", "back_to"), [
    ("/officer/funding/{code}?page=2&sector=SAL", "/officer/funding/{code}?page=2&sector=SAL"),
    ("https://evil.example/", "/officer/funding/{code}"),
    ("//evil.example/", "/officer/funding/{code}"),
])
def test_after_funding_the_officer_is_back_on_the_page_of_the_ranking_they_were_on(
        client, world, next_path, back_to):
    signed_in(client)
    code = world["call"].code
    response = client.post(url(world["call"], f"/proposals/{world['top'].id}/fund"),
                           data={"amount": "900000.00", "next": next_path.format(code=code)})
    assert response.headers["Location"] == back_to.format(code=code)


def test_each_fund_and_decline_form_on_the_ranking_returns_to_its_page(client, world):
    signed_in(client)
    html = client.get(url(world["call"], "?sector=SAL")).text
    table = html.split('<table id="ranking">')[1].split("</table>")[0]
    back = f'name="next" value="/officer/funding/{world["call"].code}?sector=SAL"'
    assert table.count(back) == 2  # the middle proposal (SAL): fund and decline


def test_funding_over_the_budget_is_refused_with_a_message(client, make):
    call = make.call(total_budget="1000000.00")
    first = make.proposal(call=call, state="funded")
    second = make.proposal(call=call, state="reviewed")
    assert first.state == ProposalState.FUNDED
    signed_in(client)
    response = client.post(url(call, f"/proposals/{second.id}/fund"),
                           data={"amount": "900000.00"}, follow_redirects=True)
    assert response.status_code == 200
    assert "budget does not allow it" in response.text
    db.session.refresh(second)
    assert second.state == ProposalState.REVIEWED


def test_funding_above_the_cap_is_refused_with_a_message(client, world):
    signed_in(client)
    response = client.post(url(world["call"], f"/proposals/{world['top'].id}/fund"),
                           data={"amount": "2000000.00"}, follow_redirects=True)
    assert "The amount is too high" in response.text
    assert world["top"].state == ProposalState.REVIEWED


def test_an_officer_declines_with_a_reason(client, world):
    signed_in(client)
    low = world["low"]
    response = client.post(url(world["call"], f"/proposals/{low.id}/decline"),
                           data={"reason": "Puntaje insuficiente"})
    assert response.status_code == 302
    db.session.refresh(low)
    assert low.state == ProposalState.NOT_FUNDED
    assert low.decision_reason == "Puntaje insuficiente"


def test_the_page_proposes_a_funding_line_and_a_reserve(client, world):
    signed_in(client)
    html = client.get(url(world["call"])).text
    line = html[html.index('id="funding-line"'):html.index('id="reserve"')]
    assert world["top"].reference in line and world["middle"].reference in line
    assert world["weak"].reference not in line
    reserve = html[html.index('id="reserve"'):]
    assert world["low"].reference in reserve
    assert world["weak"].reference not in reserve


def test_confirming_the_line_funds_every_proposal_above_it(client, world):
    signed_in(client)
    top, middle = world["top"], world["middle"]
    response = client.post(url(world["call"], "/line"),
                           data={f"amount-{middle.id}": "800000.00"})
    assert response.status_code == 302
    for proposal in (top, middle):
        db.session.refresh(proposal)
    assert top.state == middle.state == ProposalState.FUNDED
    assert middle.awarded_amount == Decimal("800000.00")
    assert world["low"].state == ProposalState.REVIEWED


def test_a_refusal_while_confirming_the_line_funds_nothing(client, world):
    signed_in(client)
    top, middle = world["top"], world["middle"]
    response = client.post(url(world["call"], "/line"),
                           data={f"amount-{middle.id}": "5000000.00"}, follow_redirects=True)
    assert "Nothing was funded" in response.text
    for proposal in (top, middle):
        db.session.refresh(proposal)
    assert top.state == middle.state == ProposalState.REVIEWED
    db.session.refresh(world["call"])
    assert world["call"].awarded_total == Decimal("0.00")


def test_the_ranking_takes_the_same_number_of_queries_for_more_proposals(
    client, make, world, count_queries,
):
    signed_in(client)
    call = world["call"]
    make.proposal(call=call, state="reviewed")  # the same session state before each count
    with count_queries() as few:
        assert client.get(url(call)).status_code == 200
    for _ in range(4):
        make.proposal(call=call, state="reviewed")
    with count_queries() as many:
        assert client.get(url(call)).status_code == 200
    assert many.count == few.count


# Letters ---------------------------------------------------------------------------------------

def test_letters_of_a_decided_call_are_issued_and_listed(client, make):
    call = make.call()
    officer = make.officer()
    make.proposal(call=call, state="funded")
    make.proposal(call=call, state="not_funded")
    transition_call(db.session, call, "close", officer)
    transition_call(db.session, call, "decide", officer)
    db.session.commit()
    signed_in(client)
    assert "2 letters are owed" in client.get(url(call, "/letters")).text
    response = client.post(url(call, "/letters"), follow_redirects=True)
    assert response.status_code == 200
    assert "2 issued, 0 failed, of 2 owed" in response.text
    letters = db.session.query(Letter).filter_by(call_id=call.id).all()
    assert {letter.state for letter in letters} == {LetterState.ISSUED}
    for letter in letters:
        assert letter.folio in response.text and letter.verification_code in response.text
    pdf = client.get(f"/officer/funding/letters/{letters[0].id}.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_letters_wait_until_the_call_is_decided(client, world):
    signed_in(client)
    response = client.post(url(world["call"], "/letters"), follow_redirects=True)
    assert response.status_code == 200
    assert "Letters are issued once the call is decided" in response.text
    assert db.session.query(Letter).count() == 0
