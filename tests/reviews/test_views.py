"""The evaluation committee's pages: assignments, conflict declaration, scoring, documents."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import refresh

from config import TestingConfig
from evalflow import create_app
from evalflow.auth.models import User
from evalflow.auth.passwords import set_password
from evalflow.extensions import db
from evalflow.proposals.models import Proposal
from evalflow.reviews.models import AssignmentState, ReviewAssignment, ReviewState
from evalflow.reviews.services import save_review
from tests.factories import PDF, Factory

PASSWORD = "correct horse"


def sign_in(client: FlaskClient, user: User) -> None:
    set_password(db.session, user, PASSWORD)
    db.session.commit()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.text


def in_english(user: User) -> None:
    """Pages for this person in English (Spanish is the default), as the test reads them."""
    user.locale = "en"
    db.session.commit()
    refresh()  # the tests share one app context, where Flask-Babel keeps the locale


def assignment_of(proposal: Proposal, reviewer: User) -> ReviewAssignment:
    return db.session.query(ReviewAssignment).filter_by(
        proposal_id=proposal.id, reviewer_id=reviewer.id).one()


@pytest.fixture
def world(make: Factory) -> dict[str, Any]:
    """Two reviewers on one proposal under review; a third reviewer not on it."""
    first, second, other = (make.user("reviewer", name=name)
                            for name in ("Ana Ruiz", "Berta Soto", "Carlos Vega"))
    proposal = make.proposal(state="under_review", reviewers=[first, second],
                             work_plan="Plan de trabajo detallado")
    return {"me": first, "peer": second, "other": other, "proposal": proposal,
            "mine": assignment_of(proposal, first), "theirs": assignment_of(proposal, second)}


@pytest.fixture
def me(client: FlaskClient, world: dict[str, Any]) -> FlaskClient:
    """The client signed in as the first reviewer."""
    sign_in(client, world["me"])
    return client


def declare_none(client: FlaskClient, assignment: ReviewAssignment) -> None:
    response = client.post(f"/reviews/{assignment.id}/declaration", data={"has_conflict": "no"})
    assert response.status_code == 302


def url(assignment: ReviewAssignment, tail: str = "") -> str:
    return f"/reviews/{assignment.id}{tail}"


# Access ----------------------------------------------------------------------------------------

def pages(world: dict[str, Any]) -> list[tuple[str, str]]:
    mine = world["mine"]
    document = world["proposal"].documents[0]
    return [("get", "/reviews/"), ("get", url(mine)), ("post", url(mine, "/declaration")),
            ("post", url(mine, "/review")), ("get", url(mine, f"/documents/{document.id}"))]


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, world: dict[str, Any]):
    for method, path in pages(world):
        response = getattr(client, method)(path)
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["applicant", "officer", "admin"])
def test_other_roles_are_forbidden(client: FlaskClient, make: Factory, world: dict[str, Any],
                                   role: str):
    sign_in(client, make.user(role))
    for method, path in pages(world):
        assert getattr(client, method)(path).status_code == 403, path


def test_someone_elses_assignment_is_not_found(client: FlaskClient, world: dict[str, Any]):
    sign_in(client, world["other"])
    theirs = world["mine"]
    document = world["proposal"].documents[0]
    assert client.get(url(theirs)).status_code == 404
    assert client.post(url(theirs, "/declaration"), data={"has_conflict": "no"}).status_code == 404
    assert client.post(url(theirs, "/review"), data={"action": "save"}).status_code == 404
    assert client.get(url(theirs, f"/documents/{document.id}")).status_code == 404
    assert client.get("/reviews/999999").status_code == 404


def test_the_home_page_sends_reviewers_to_their_assignments(me: FlaskClient):
    response = me.get("/")
    assert response.headers["Location"].endswith("/reviews/")


# The list ----------------------------------------------------------------------------------------

def test_my_assignments_list_call_reference_title_due_date_and_progress(
        me: FlaskClient, world: dict[str, Any]):
    proposal = world["proposal"]
    page = me.get("/reviews/")
    assert page.status_code == 200
    html = page.text
    assert proposal.reference in html
    assert proposal.title in html
    assert proposal.call.code in html
    assert "hora del centro" in html  # the due date, in the call's time zone
    assert "Por declarar" in html  # "To declare", in the default language
    assert 'aria-current="page"' in html


def test_the_list_follows_progress(me: FlaskClient, world: dict[str, Any]):
    in_english(world["me"])
    declare_none(me, world["mine"])
    assert "Not started" in me.get("/reviews/").text
    me.post(url(world["mine"], "/review"), data={"action": "save", "score_1": "7"})
    assert "Draft saved" in me.get("/reviews/").text


# Conflict of interest ---------------------------------------------------------------------------

def test_content_is_hidden_until_the_declaration(me: FlaskClient, world: dict[str, Any]):
    page = me.get(url(world["mine"]))
    assert page.status_code == 200
    assert 'name="has_conflict"' in page.text
    assert "Plan de trabajo detallado" not in page.text
    assert "Seguimiento de proyectos" not in page.text  # the summary
    assert "/documents/" not in page.text
    assert 'name="score_1"' not in page.text


def test_declaring_no_conflict_opens_the_proposal(me: FlaskClient, world: dict[str, Any]):
    declare_none(me, world["mine"])
    page = me.get(url(world["mine"]))
    assert "Plan de trabajo detallado" in page.text
    assert "Seguimiento de proyectos" in page.text
    assert "Personal" in page.text and "plan.pdf" in page.text
    assert 'name="score_1"' in page.text and 'name="has_conflict"' not in page.text


def test_a_conflict_needs_a_reason(me: FlaskClient, world: dict[str, Any]):
    response = me.post(url(world["mine"], "/declaration"), data={"has_conflict": "yes"})
    assert response.status_code == 422
    assert 'class="error" id="reason-error"' in response.text
    assert world["mine"].state == AssignmentState.PENDING


def test_an_answer_is_required(me: FlaskClient, world: dict[str, Any]):
    in_english(world["me"])
    response = me.post(url(world["mine"], "/declaration"), data={})
    assert response.status_code == 422
    assert "Choose one answer." in response.text


def test_a_conflict_removes_the_proposal_from_my_view(me: FlaskClient, world: dict[str, Any]):
    in_english(world["me"])
    mine = world["mine"]
    document = world["proposal"].documents[0]
    response = me.post(url(mine, "/declaration"),
                       data={"has_conflict": "yes", "reason": "Trabajé en ese instituto"},
                       follow_redirects=True)
    assert response.status_code == 200
    assert world["proposal"].title not in response.text
    assert "Conflict declared" in response.text
    assert me.get(url(mine)).status_code == 404
    assert me.get(url(mine, f"/documents/{document.id}")).status_code == 404
    assert me.post(url(mine, "/review"), data={"action": "save"}).status_code == 404


# Scoring ------------------------------------------------------------------------------------------

def test_the_form_follows_the_rubric(me: FlaskClient, world: dict[str, Any]):
    in_english(world["me"])
    declare_none(me, world["mine"])
    html = me.get(url(world["mine"])).text
    assert '<label for="score_1">Calidad</label>' in html
    assert 'min="1"' in html and 'max="10"' in html and 'step="any"' in html
    assert "weight 60% of the total" in html
    assert 'aria-live="polite"' in html
    assert "js/review-total.js" in html


def test_a_draft_keeps_what_was_typed(me: FlaskClient, world: dict[str, Any]):
    in_english(world["me"])
    declare_none(me, world["mine"])
    response = me.post(url(world["mine"], "/review"), data={
        "action": "save", "score_1": "7.5", "score_2": "",
        "comment_to_applicant": "Buen plan", "comment_to_committee": "Revisar montos"},
        follow_redirects=True)
    assert response.status_code == 200
    assert "Your draft is saved." in response.text
    assert 'value="7.5"' in response.text
    assert "Buen plan" in response.text and "Revisar montos" in response.text
    assert "7.50" in response.text or "7,50" in response.text  # the saved total


def test_an_out_of_scale_score_is_shown_with_what_was_typed(
        me: FlaskClient, world: dict[str, Any]):
    in_english(world["me"])
    declare_none(me, world["mine"])
    response = me.post(url(world["mine"], "/review"), data={
        "action": "save", "score_1": "11", "score_2": "8", "comment_to_applicant": "Mi texto"})
    assert response.status_code == 422
    assert response.content_type.startswith("text/html")
    html = response.text
    assert re.search(r'id="score_1-error">Give a score from 1 to 10\.<', html)
    assert 'aria-invalid="true"' in html
    assert 'value="11"' in html and 'value="8"' in html and "Mi texto" in html
    assert world["mine"].review is None  # nothing was saved


def test_a_non_number_is_refused_next_to_its_field(me: FlaskClient, world: dict[str, Any]):
    declare_none(me, world["mine"])
    response = me.post(url(world["mine"], "/review"), data={"action": "save", "score_2": "ocho"})
    assert response.status_code == 422
    assert 'id="score_2-error"' in response.text and 'value="ocho"' in response.text


def test_submitting_goes_through_a_confirmation(me: FlaskClient, world: dict[str, Any]):
    in_english(world["me"])
    mine = world["mine"]
    declare_none(me, mine)
    confirm = me.post(url(mine, "/review"), data={
        "action": "confirm", "score_1": "8", "score_2": "6", "comment_to_applicant": "Bien"})
    assert confirm.status_code == 200
    assert 'value="submit"' in confirm.text
    assert "7.20" in confirm.text or "7,20" in confirm.text  # (0.6·8 + 0.4·6) / 1
    db.session.expire_all()
    assert mine.review.state == ReviewState.DRAFT  # not submitted yet
    done = me.post(url(mine, "/review"), data={
        "action": "submit", "score_1": "8", "score_2": "6", "comment_to_applicant": "Bien"},
        follow_redirects=True)
    assert "Your review is submitted." in done.text
    db.session.expire_all()
    assert mine.review.state == ReviewState.SUBMITTED


def test_submitting_without_every_score_is_refused(me: FlaskClient, world: dict[str, Any]):
    in_english(world["me"])
    declare_none(me, world["mine"])
    response = me.post(url(world["mine"], "/review"),
                       data={"action": "submit", "score_1": "8", "score_2": ""})
    assert response.status_code == 422
    assert re.search(r'id="score_2-error">A score is required\.<', response.text)


def test_a_submitted_review_is_read_only(me: FlaskClient, world: dict[str, Any]):
    in_english(world["me"])
    mine = world["mine"]
    declare_none(me, mine)
    me.post(url(mine, "/review"), data={"action": "submit", "score_1": "8", "score_2": "6"})
    page = me.get(url(mine))
    assert 'name="score_1"' not in page.text
    assert "final" in page.text
    again = me.post(url(mine, "/review"), data={"action": "submit", "score_1": "2",
                                                "score_2": "2"}, follow_redirects=True)
    assert "already submitted" in again.text
    db.session.expire_all()
    assert mine.review.total == Decimal("7.2")


def test_other_reviewers_are_hidden_until_i_submit(me: FlaskClient, world: dict[str, Any]):
    in_english(world["me"])
    theirs = world["theirs"]
    save_review(db.session, theirs, world["peer"], {
        "scores": {"C1": 3, "C2": 4}, "comment_to_applicant": "Comentario del par",
        "comment_to_committee": "Nota privada del par", "submit": True})
    db.session.commit()
    mine = world["mine"]
    declare_none(me, mine)
    before = me.get(url(mine)).text
    assert "Comentario del par" not in before and "Nota privada del par" not in before
    assert ">Reviewer 1</h3>" not in before
    me.post(url(mine, "/review"), data={"action": "submit", "score_1": "8", "score_2": "6"})
    after = me.get(url(mine)).text
    assert ">Reviewer 1</h3>" in after
    assert "Comentario del par" in after and "Nota privada del par" in after
    assert world["peer"].name not in after and world["peer"].email not in after


# Documents ------------------------------------------------------------------------------------

def test_a_document_opens_inline_for_its_reviewer(me: FlaskClient, world: dict[str, Any]):
    document = world["proposal"].documents[0]
    declare_none(me, world["mine"])
    response = me.get(url(world["mine"], f"/documents/{document.id}"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.data == PDF


def test_a_document_waits_for_the_declaration(me: FlaskClient, world: dict[str, Any]):
    document = world["proposal"].documents[0]
    response = me.get(url(world["mine"], f"/documents/{document.id}"))
    assert response.status_code == 302 and response.headers["Location"].endswith(url(world["mine"]))


def test_another_proposals_document_is_not_found(me: FlaskClient, make: Factory,
                                                 world: dict[str, Any]):
    elsewhere = make.proposal(state="submitted")
    declare_none(me, world["mine"])
    document = elsewhere.documents[0]
    assert me.get(url(world["mine"], f"/documents/{document.id}")).status_code == 404


def test_another_reviewer_cannot_open_the_document(client: FlaskClient, world: dict[str, Any]):
    sign_in(client, world["other"])
    document = world["proposal"].documents[0]
    assert client.get(url(world["mine"], f"/documents/{document.id}")).status_code == 404


# Escaping and language -----------------------------------------------------------------------

def test_typed_text_is_escaped(client: FlaskClient, make: Factory):
    reviewer = make.user("reviewer")
    hostile = "<script>alert(1)</script>"
    proposal = make.proposal(state="under_review", reviewers=[reviewer], title=hostile,
                             summary=hostile)
    sign_in(client, reviewer)
    mine = assignment_of(proposal, reviewer)
    assert hostile not in client.get("/reviews/").text
    assert "&lt;script&gt;" in client.get("/reviews/").text
    declare_none(client, mine)
    client.post(url(mine, "/review"), data={"action": "save", "comment_to_applicant": hostile})
    page = client.get(url(mine)).text
    assert hostile not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    confirm = client.post(url(mine, "/review"), data={
        "action": "confirm", "score_1": "5", "comment_to_committee": hostile}).text
    assert hostile not in confirm


def test_spanish_by_default_and_english_on_request(me: FlaskClient, app: Flask,
                                                   world: dict[str, Any]):
    assert '<html lang="es">' in me.get("/reviews/").text
    me.post("/auth/language/en", data={"next": "/reviews/"})
    refresh()  # the tests share one app context, where Flask-Babel keeps the locale
    page = me.get("/reviews/").text
    assert '<html lang="en">' in page
    assert "My assignments" in page


def test_every_form_carries_and_needs_a_csrf_token(world: dict[str, Any], database_url: str,
                                                   tmp_path: Any):
    config = TestingConfig(tmp_path, database_url)
    config.WTF_CSRF_ENABLED = True
    client = create_app(config).test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(world["me"].id)
        session["_fresh"] = True
    mine = world["mine"]
    assert client.post(url(mine, "/declaration"), data={"has_conflict": "no"}).status_code == 400
    page = client.get(url(mine)).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    response = client.post(url(mine, "/declaration"),
                           data={"has_conflict": "no", "csrf_token": token.group(1)})
    assert response.status_code == 302
    form = client.get(url(mine)).text
    assert form.count('name="csrf_token"') >= 3  # the score form, sign out, language
    assert client.post(url(mine, "/review"), data={"action": "save"}).status_code == 400


def test_a_refusal_is_a_page_not_json(me: FlaskClient, world: dict[str, Any]):
    in_english(world["me"])
    mine = world["mine"]
    declare_none(me, mine)
    me.post(url(mine, "/review"), data={"action": "submit", "score_1": "8", "score_2": "6"})
    response = me.post(url(mine, "/declaration"),
                       data={"has_conflict": "yes", "reason": "Demasiado tarde"})
    assert response.status_code == 409
    assert response.content_type.startswith("text/html")
    assert "already submitted" in response.text
    db.session.expire_all()
    assert mine.state == AssignmentState.ACCEPTED
