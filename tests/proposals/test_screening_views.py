"""Eligibility screening pages: the queue with its progress, one proposal, bulk approval."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from evalflow.auth.models import User
from evalflow.extensions import db
from evalflow.proposals.models import EligibilityDecision, Proposal, ProposalState
from tests.factories import Factory, sign_in


@pytest.fixture
def officer(client: FlaskClient, make: Factory) -> User:
    user = make.officer()
    sign_in(client, user)
    return user


def state_of(proposal: Proposal) -> ProposalState:
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id).state


def test_the_queue_lists_proposals_to_screen_with_progress(client, make, officer,
                                                           count_queries):
    call = make.call(title="<script>alert(1)</script>")
    waiting = [make.proposal(call=call, state="submitted") for _ in range(2)]
    make.proposal(call=call, state="eligible")
    make.proposal(call=call, state="draft")
    page = client.get("/officer/screening/")
    assert page.status_code == 200
    assert "1 of 3 screened" in page.text
    assert all(p.reference in page.text for p in waiting)
    assert "&lt;script&gt;" in page.text and "<script>alert" not in page.text
    client.get("/officer/screening/")
    with count_queries() as few:
        client.get("/officer/screening/")
    for _ in range(3):
        make.proposal(call=call, state="submitted")
    make.proposal(state="submitted")
    client.get("/officer/screening/")
    with count_queries() as many:
        client.get("/officer/screening/")
    assert many.count == few.count


@pytest.mark.parametrize("path", ["/officer/screening/", "/officer/screening/proposals/{id}"])
def test_only_officers_screen(client, make, path):
    path = path.format(id=make.proposal(state="submitted").id)
    assert "/auth/login" in client.get(path).headers["Location"]
    for role in ("applicant", "reviewer"):
        sign_in(client, make.user(role))
        assert client.get(path).status_code == 403
        assert client.post("/officer/screening/approve").status_code == 403
        client.post("/auth/logout")


def test_the_proposal_page_shows_the_checklist_and_documents(client, make, officer):
    proposal = make.proposal(state="submitted", title="<b>Título</b>")
    page = client.get(f"/officer/screening/proposals/{proposal.id}")
    assert page.status_code == 200
    assert "Institución mexicana registrada" in page.text
    assert "&lt;b&gt;Título&lt;/b&gt;" in page.text
    document = proposal.documents[0]
    pdf = client.get(f"/officer/screening/proposals/{proposal.id}/documents/{document.id}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert client.get(f"/officer/screening/proposals/{proposal.id}/documents/999").status_code \
        == 404


def test_a_draft_is_not_the_agencys_to_screen(client, make, officer):
    proposal = make.proposal(state="draft")
    assert client.get(f"/officer/screening/proposals/{proposal.id}").status_code == 404
    assert client.get("/officer/screening/proposals/999999").status_code == 404


def test_approving_records_the_answers(client, make, officer):
    proposal = make.proposal(state="submitted")
    requirement = proposal.call.eligibility_criteria[0]
    response = client.post(f"/officer/screening/proposals/{proposal.id}",
                           data={"decision": "approve", f"answer_{requirement.id}": "yes"})
    assert response.status_code == 302, response.text
    assert state_of(proposal) == ProposalState.ELIGIBLE
    decision = db.session.query(EligibilityDecision).filter_by(proposal_id=proposal.id).one()
    assert decision.answers == {"E1": True} and decision.eligible


def test_rejecting_needs_a_reason(client, make, officer):
    proposal = make.proposal(state="submitted")
    requirement = proposal.call.eligibility_criteria[0]
    data = {"decision": "reject", f"answer_{requirement.id}": "no", "reason": "  "}
    page = client.post(f"/officer/screening/proposals/{proposal.id}", data=data)
    assert page.status_code == 422
    assert "Give the reason for rejecting the proposal." in page.text
    assert 'id="reason-error"' in page.text
    assert state_of(proposal) == ProposalState.SUBMITTED
    data["reason"] = "No presenta el registro <RENIECYT>"
    assert client.post(f"/officer/screening/proposals/{proposal.id}", data=data).status_code \
        == 302
    assert state_of(proposal) == ProposalState.INELIGIBLE
    page = client.get(f"/officer/screening/proposals/{proposal.id}")
    assert "No presenta el registro &lt;RENIECYT&gt;" in page.text


def test_every_requirement_needs_an_answer(client, make, officer):
    proposal = make.proposal(state="submitted")
    page = client.post(f"/officer/screening/proposals/{proposal.id}",
                       data={"decision": "approve"})
    assert page.status_code == 422 and "Answer yes or no." in page.text
    assert state_of(proposal) == ProposalState.SUBMITTED


def test_bulk_approval_approves_the_selected_and_reports_how_many(client, make, officer):
    call = make.call()
    chosen = [make.proposal(call=call, state="submitted") for _ in range(3)]
    left = make.proposal(call=call, state="submitted")
    response = client.post("/officer/screening/approve",
                           data={"proposal": [str(p.id) for p in chosen]},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "3 proposals approved as eligible." in response.text
    assert "3 of 4 screened" in response.text
    assert [state_of(p) for p in chosen] == [ProposalState.ELIGIBLE] * 3
    assert state_of(left) == ProposalState.SUBMITTED


def test_bulk_approval_is_all_or_nothing(client, make, officer):
    call = make.call()
    waiting = make.proposal(call=call, state="submitted")
    screened = make.proposal(call=call, state="eligible")
    response = client.post("/officer/screening/approve",
                           data={"proposal": [str(waiting.id), str(screened.id)]},
                           follow_redirects=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Nothing was approved" in response.text
    assert state_of(waiting) == ProposalState.SUBMITTED
