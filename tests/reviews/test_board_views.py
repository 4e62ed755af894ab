"""The program officers' assignment board: the matrix, automatic and manual assignment,
removal and reminders to late reviewers."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import refresh

from evalflow.audit import AuditEvent
from evalflow.auth.models import User
from evalflow.auth.services import create_user
from evalflow.extensions import db
from evalflow.proposals.models import ProposalState
from evalflow.reviews.assignments import declare_conflict
from evalflow.reviews.models import ReviewAssignment
from evalflow.reviews.services import save_review
from tests.factories import Factory

PASSWORD = "correct horse"


def signed_in(client: FlaskClient, role: str = "officer") -> User:
    user = create_user(db.session, email=f"{role}-board@example.mx", name=f"{role} board",
                       role=role, institution="Instituto X" if role == "applicant" else None,
                       password=PASSWORD)
    user.locale = "en"
    db.session.commit()
    refresh()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return user


def assignments_of(proposal) -> list[ReviewAssignment]:
    return db.session.query(ReviewAssignment).filter_by(proposal_id=proposal.id).all()


@pytest.fixture
def world(make: Factory) -> dict[str, Any]:
    """One call: two eligible proposals, one under review by Ana and Berta; Carlos is free."""
    ana, berta, carlos = (make.user("reviewer", name=n) for n in ("Ana", "Berta", "Carlos"))
    call = make.call()
    eligible = [make.proposal(call=call, state="eligible") for _ in range(2)]
    reviewing = make.proposal(call=call, state="under_review", reviewers=[ana, berta],
                              sector="SAL")
    return {"call": call, "ana": ana, "berta": berta, "carlos": carlos,
            "eligible": eligible, "reviewing": reviewing}


def url(world: dict[str, Any], tail: str = "") -> str:
    return f"/officer/assignments/{world['call'].code}{tail}"


def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, world):
    response = client.get(url(world))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["applicant", "reviewer"])
def test_applicants_and_reviewers_are_refused(client: FlaskClient, world, role: str):
    signed_in(client, role)
    assert client.get(url(world)).status_code == 403
    assert client.post(url(world, "/auto")).status_code == 403
    assert client.post(url(world, "/remind")).status_code == 403
    assert len(assignments_of(world["eligible"][0])) == 0


def test_the_board_shows_proposals_reviewers_loads_sectors_and_conflicts(client, world):
    declare_conflict(db.session, assignments_of(world["reviewing"])[0], world["ana"],
                     has_conflict=True, reason="Coautora")
    db.session.commit()
    signed_in(client)
    response = client.get(url(world))
    assert response.status_code == 200
    html = response.text
    for proposal in [*world["eligible"], world["reviewing"]]:
        assert proposal.reference in html
    assert "Conflict declared" in html
    berta = html[html.index(f'id="reviewer-{world["berta"].id}"'):]
    berta = berta[:berta.index("</tr>")]
    assert "<td>1</td>" in berta and "SAL" in berta


def test_an_unknown_call_is_not_found(client, world):
    signed_in(client)
    assert client.get("/officer/assignments/NOPE").status_code == 404


def test_the_board_is_in_spanish_by_default(client, world):
    user = signed_in(client)
    user.locale = None
    db.session.commit()
    refresh()
    response = client.get(url(world))
    assert response.status_code == 200
    assert 'lang="es"' in response.text


def test_automatic_assignment_gives_each_proposal_its_reviewers(client, world):
    signed_in(client)
    response = client.post(url(world, "/auto"), follow_redirects=True)
    assert response.status_code == 200
    assert "assignments created" in response.text
    for proposal in world["eligible"]:
        assert len(assignments_of(proposal)) == world["call"].reviewers_per_proposal
        db.session.refresh(proposal)
        assert proposal.state == ProposalState.UNDER_REVIEW


def test_after_assigning_by_hand_the_officer_is_back_on_the_same_page_of_the_board(
        client, world):
    signed_in(client)
    proposal, carlos = world["eligible"][0], world["carlos"]
    added = client.post(url(world, f"/proposals/{proposal.id}/reviewers"),
                        data={"reviewer_id": carlos.id, "page": "3"})
    assert added.headers["Location"] == url(world, "?page=3")
    [assignment] = assignments_of(proposal)
    removed = client.post(url(world, f"/assignments/{assignment.id}/remove"),
                          data={"page": "not a page"})
    assert removed.headers["Location"] == url(world)


def test_the_board_shows_each_reviewers_load_over_the_whole_call_on_every_page(
        client, make, world, monkeypatch):
    monkeypatch.setattr("evalflow.reviews.board.PER_PAGE", 1)
    signed_in(client)
    html = client.get(url(world, "?page=3")).text  # the proposal Ana and Berta review
    assert "Page 3 of 3" in html
    assert f'id="proposal-{world["reviewing"].id}"' in html
    html = client.get(url(world, "?page=1")).text  # an eligible one, nobody assigned
    ana = html.split(f'id="reviewer-{world["ana"].id}"')[1].split("</tr>")[0]
    assert "<td>1</td>" in ana and "SAL" in ana


def test_an_officer_adds_and_removes_a_reviewer_by_hand(client, world):
    officer = signed_in(client)
    proposal, carlos = world["eligible"][0], world["carlos"]
    response = client.post(url(world, f"/proposals/{proposal.id}/reviewers"),
                           data={"reviewer_id": carlos.id}, follow_redirects=True)
    assert "Carlos is assigned" in response.text
    [assignment] = assignments_of(proposal)
    assert assignment.reviewer_id == carlos.id
    assignment_id = assignment.id
    response = client.post(url(world, f"/assignments/{assignment_id}/remove"),
                           follow_redirects=True)
    assert "Carlos no longer reviews" in response.text
    assert assignments_of(proposal) == []
    event = db.session.query(AuditEvent).filter_by(action="assignment.remove").one()
    assert event.entity_id == assignment_id and event.actor_id == officer.id


def test_adding_the_same_reviewer_twice_is_refused_with_a_message(client, world):
    signed_in(client)
    response = client.post(url(world, f"/proposals/{world['reviewing'].id}/reviewers"),
                           data={"reviewer_id": world["ana"].id}, follow_redirects=True)
    assert response.status_code == 200
    assert "already assigned" in response.text
    assert len(assignments_of(world["reviewing"])) == 2


def test_an_assignment_with_a_submitted_review_cannot_be_removed(client, world):
    assignment = assignments_of(world["reviewing"])[0]
    save_review(db.session, assignment, assignment.reviewer,
                {"scores": {"C1": 8, "C2": 7}, "submit": True})
    db.session.commit()
    signed_in(client)
    response = client.post(url(world, f"/assignments/{assignment.id}/remove"),
                           follow_redirects=True)
    assert response.status_code == 200
    assert "can no longer be removed" in response.text
    assert len(assignments_of(world["reviewing"])) == 2


def _outbox(app: Flask) -> set[Path]:
    return set(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


def test_late_reviewers_get_one_reminder_each_in_their_language(client, app: Flask, world):
    ana, berta = world["ana"], world["berta"]
    ana.locale = "en"
    for assignment in assignments_of(world["reviewing"]):
        assignment.due_at = assignment.due_at - timedelta(days=60)
    db.session.commit()
    signed_in(client)
    assert "Late" in client.get(url(world)).text
    before = _outbox(app)  # the assignments were mailed when they were made
    response = client.post(url(world, "/remind"), follow_redirects=True)
    assert "2 reminders sent" in response.text
    files = sorted(_outbox(app) - before)
    assert len(files) == 2
    messages = {m["To"]: m for m in (message_from_bytes(f.read_bytes(), policy=policy.default)
                                     for f in files)}
    assert set(messages) == {ana.email, berta.email}
    assert messages[ana.email]["Subject"].startswith("Reminder: reviews due for")
    assert messages[berta.email]["Subject"].startswith("Recordatorio: evaluaciones pendientes")
    assert world["reviewing"].reference in messages[berta.email].get_content()


def test_no_reminder_when_no_one_is_late(client, app: Flask, world):
    signed_in(client)
    before = _outbox(app)
    response = client.post(url(world, "/remind"), follow_redirects=True)
    assert "No reviewer is late" in response.text
    assert _outbox(app) == before


def test_the_board_takes_the_same_number_of_queries_for_more_proposals(
    client, make, world, count_queries,
):
    signed_in(client)
    make.proposal(call=world["call"], state="under_review")
    with count_queries() as few:
        assert client.get(url(world)).status_code == 200
    for _ in range(4):
        make.proposal(call=world["call"], state="under_review")
    with count_queries() as many:
        assert client.get(url(world)).status_code == 200
    assert many.count == few.count
