"""Notifications: who gets which mail, in their own language, delivered by a real SMTP server
on loopback, the outbox folder without one, and RQ workers with Redis."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from rq import Queue, SimpleWorker

from evalflow import jobs, notifications, storage
from evalflow.auth.models import User
from evalflow.decisions.issuing import issue_letter_now
from evalflow.extensions import db
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.proposals.services import submit_proposal
from evalflow.reviews.assignments import assign_reviewer, auto_assign
from evalflow.reviews.models import ReviewAssignment
from evalflow.reviews.services import save_review
from tests.conftest import REDIS_URL
from tests.factories import Factory
from tests.smtp_server import Inbox, closed_port, smtp_server

INSTITUTION = "Instituto de Prueba"


def _smtp(app: Flask, port: int) -> None:
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none", SMTP_TIMEOUT=5)


@pytest.fixture
def inbox(app: Flask) -> Iterator[Inbox]:
    """Mail goes to a real SMTP server for this test."""
    with smtp_server() as (received, port):
        _smtp(app, port)
        yield received


def _person(make: Factory, role: str, locale: str | None, **kw: str) -> User:
    user = make.user(role, **kw)
    user.locale = locale
    db.session.commit()
    return user


def _outbox(app: Flask) -> list[Path]:
    return sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


# --- to the applicants ---------------------------------------------------------------------

def test_a_submission_is_acknowledged_to_each_applicant_in_their_language(
        app: Flask, make: Factory, inbox: Inbox) -> None:
    call = make.call(opens_at="2008-09-01T09:00:00-06:00", closes_at="2099-01-01T00:00:00Z")
    sofia = _person(make, "applicant", None, institution=INSTITUTION, name="Sofía Ruiz")
    john = _person(make, "applicant", "en", institution=INSTITUTION, name="John Reyes")
    make.user("applicant")  # another institution's applicant hears nothing
    proposal = make.proposal(call=call, applicant=sofia)
    assert inbox.received == []  # a draft is nobody's news
    submit_proposal(db.session, proposal, sofia, at=datetime(2008, 10, 31, 23, 59, tzinfo=UTC))
    db.session.commit()

    assert sorted(r.recipients[0] for r in inbox.received) == sorted([sofia.email, john.email])
    [spanish] = inbox.to(sofia.email)
    assert spanish.message["Subject"] == (
        f"Recibimos su propuesta {proposal.reference} para {call.code}")
    assert "Hola, Sofía Ruiz:" in spanish.body
    assert "Recibida el 31 de octubre de 2008, 17:59 (hora del centro)" in spanish.body
    assert "Monto solicitado: $950,000.00" in spanish.body
    assert f"http://localhost/institution/proposals/{proposal.id}" in spanish.body
    [english] = inbox.to(john.email)
    assert english.message["Subject"] == (
        f"We received your proposal {proposal.reference} for {call.code}")
    assert "Received on 31 October 2008, 17:59 (Mexico City time)" in english.body


def test_an_ineligible_proposal_is_told_the_officers_reason_in_english(
        app: Flask, make: Factory, api, inbox: Inbox) -> None:
    applicant = _person(make, "applicant", "en")
    proposal = make.proposal(applicant=applicant, state="submitted")
    officer = make.officer()
    reason = "The institution's registration with RENIECYT had expired."
    response = api.post(f"/proposals/{proposal.id}/transitions",  # the API notifies too
                        {"event": "reject_eligibility", "reason": reason}, make.token(officer))
    assert response.status_code == 200, response.json

    [received] = [r for r in inbox.to(applicant.email) if "eligible" in r.message["Subject"]]
    assert received.message["Subject"] == f"Your proposal {proposal.reference} is not eligible"
    assert "does not meet the requirements" in received.body
    assert reason in received.body


def test_an_eligible_proposal_is_told_so_in_spanish(
        app: Flask, make: Factory, inbox: Inbox) -> None:
    applicant = _person(make, "applicant", "es")
    proposal = make.proposal(applicant=applicant, state="eligible")
    [received] = [r for r in inbox.to(applicant.email) if "elegible" in r.message["Subject"]]
    assert received.message["Subject"] == f"Su propuesta {proposal.reference} es elegible"
    assert "cumple los requisitos" in received.body


def test_the_decision_arrives_with_the_issued_letter_attached(
        app: Flask, make: Factory, inbox: Inbox) -> None:
    applicant = _person(make, "applicant", None)
    proposal = make.proposal(applicant=applicant, state="funded", amount="875000.50")
    before = len(inbox.received)  # funding alone sends nothing: the letter is the news
    letter = issue_letter_now(db.session, proposal, None, app.config)

    [received] = inbox.received[before:]
    assert received.recipients == [applicant.email]
    assert received.message["Subject"] == f"Su propuesta {proposal.reference} recibirá apoyo"
    assert "Monto del apoyo: $875,000.50" in received.body
    assert f"folio {letter.folio}" in received.body
    assert f"http://localhost/verify/{letter.verification_code}" in received.body
    [attachment] = received.message.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == f"carta-{letter.folio.replace('/', '-')}.pdf"
    pdf = attachment.get_content()
    assert pdf.startswith(b"%PDF")
    assert pdf == storage.read_bytes(letter.stored_name)

    issue_letter_now(db.session, proposal, None, app.config)  # the same letter: no new mail
    assert len(inbox.received) == before + 1


def test_a_declined_proposal_hears_why_in_english_with_its_letter(
        app: Flask, make: Factory, inbox: Inbox) -> None:
    applicant = _person(make, "applicant", "en")
    proposal = make.proposal(applicant=applicant, state="not_funded")
    before = len(inbox.received)
    letter = issue_letter_now(db.session, proposal, None, app.config)
    [received] = inbox.received[before:]
    assert received.message["Subject"] == f"The decision on your proposal {proposal.reference}"
    assert "was not selected for funding. The reason:\n\nPresupuesto insuficiente" in received.body
    [attachment] = received.message.iter_attachments()
    assert attachment.get_filename() == f"letter-{letter.folio.replace('/', '-')}.pdf"
    assert attachment.get_content() == storage.read_bytes(letter.stored_name)


# --- to the reviewers ----------------------------------------------------------------------

def test_a_reviewer_hears_of_an_assignment_with_its_due_date_and_page(
        app: Flask, make: Factory, inbox: Inbox) -> None:
    app.config["PUBLIC_URL"] = "https://evalflow.example.org/convocatorias/"
    reviewer = _person(make, "reviewer", "en", name="Rita Vidal")
    proposal = make.proposal(state="eligible", title="Nodo de nanotecnología")
    assign_reviewer(db.session, proposal, reviewer, make.officer(),
                    at=datetime(2008, 11, 3, 16, 0, tzinfo=UTC))
    db.session.commit()
    assignment = db.session.query(ReviewAssignment).filter_by(reviewer_id=reviewer.id).one()

    [received] = inbox.to(reviewer.email)
    assert received.message["Subject"] == (
        f"New review: {proposal.reference} ({proposal.call.code})")
    assert "Hello Rita Vidal," in received.body
    assert "Title: Nodo de nanotecnología" in received.body
    assert "Due: 24 November 2008, 10:00 (Mexico City time)" in received.body  # 21 days later
    assert (f"https://evalflow.example.org/convocatorias/reviews/{assignment.id}"
            in received.body)


def test_an_automatic_assignment_sends_each_reviewer_one_message(
        app: Flask, make: Factory, inbox: Inbox) -> None:
    call = make.call()  # two reviewers per proposal
    rita, omar = _person(make, "reviewer", "en"), _person(make, "reviewer", None)
    first = make.proposal(call=call, state="eligible")
    second = make.proposal(call=call, state="eligible")
    assert auto_assign(db.session, call, make.officer()) == 4
    db.session.commit()

    [english] = inbox.to(rita.email)
    [spanish] = inbox.to(omar.email)
    assert english.message["Subject"] == f"2 new reviews for {call.code}"
    assert spanish.message["Subject"] == f"2 nuevas evaluaciones de {call.code}"
    for received, reviewer in ((english, rita), (spanish, omar)):
        for proposal in (first, second):
            assignment = db.session.query(ReviewAssignment).filter_by(
                reviewer_id=reviewer.id, proposal_id=proposal.id).one()
            assert proposal.reference in received.body
            assert f"http://localhost/reviews/{assignment.id}\n" in received.body


def test_a_reminder_lists_only_the_reviews_still_not_submitted(
        app: Flask, make: Factory, inbox: Inbox) -> None:
    reviewer = _person(make, "reviewer", None)
    call = make.call()
    first = make.proposal(call=call, state="under_review", reviewers=[reviewer])
    second = make.proposal(call=call, state="under_review", reviewers=[reviewer])
    assignments = db.session.query(ReviewAssignment).filter_by(
        reviewer_id=reviewer.id).order_by(ReviewAssignment.id).all()
    for assignment in assignments:
        assignment.due_at = assignment.due_at - timedelta(days=60)
    notifications.reviews_late(call, reviewer, assignments)
    save_review(db.session, assignments[1], reviewer,  # submitted before the mail leaves
                {"scores": {"C1": 8, "C2": 7}, "submit": True})
    db.session.commit()

    [reminder] = [r for r in inbox.to(reviewer.email)
                  if r.message["Subject"].startswith("Recordatorio")]
    assert reminder.message["Subject"] == f"Recordatorio: evaluaciones pendientes de {call.code}"
    assert first.reference in reminder.body and second.reference not in reminder.body
    assert "http://localhost/reviews/" in reminder.body

    notifications.reviews_late(call, reviewer, assignments[1:])  # nothing left to remind
    db.session.commit()
    assert len(inbox.to(reviewer.email)) == 3  # two assignments and one reminder


# --- password reset ------------------------------------------------------------------------

def test_a_password_reset_link_arrives_in_english_and_works(
        app: Flask, client, make: Factory, inbox: Inbox) -> None:
    officer = _person(make, "officer", "en")
    assert client.post("/auth/forgot", data={"email": officer.email}).status_code == 302
    [received] = inbox.to(officer.email)
    assert received.message["Subject"] == "Reset your evalflow password"
    assert "within the next hour" in received.body
    link = re.search(r"http://localhost(/auth/reset/\S+)", received.body).group(1)
    assert client.get(link).status_code == 200


# --- transports ----------------------------------------------------------------------------

def test_without_smtp_notifications_are_written_to_the_outbox(app: Flask, make: Factory) -> None:
    applicant = make.user("applicant")
    proposal = make.proposal(applicant=applicant, state="submitted")
    files = _outbox(app)
    assert len(files) == 1
    text = files[0].read_text()
    assert f"To: {applicant.email}" in text
    assert f"Subject: Recibimos su propuesta {proposal.reference}" in text


def test_a_refused_smtp_connection_fails_the_job_and_the_submission_stands(
        app: Flask, make: Factory, caplog: pytest.LogCaptureFixture) -> None:
    _smtp(app, closed_port())
    with caplog.at_level(logging.ERROR, logger="evalflow.jobs"):
        proposal = make.proposal(state="submitted")
    assert "background job failed: evalflow.notifications:send_submission_received" in caplog.text
    assert "ConnectionRefusedError" in caplog.text
    assert db.session.get(Proposal, proposal.id).state == ProposalState.SUBMITTED
    assert _outbox(app) == []  # no silent fallback: the failure is the worker's to retry


def _draft(make: Factory) -> tuple[Proposal, User]:
    applicant = make.user("applicant")
    return make.proposal(applicant=applicant), applicant


@pytest.mark.redis
def test_with_redis_the_mail_goes_through_rq_to_the_smtp_server(
        app: Flask, make: Factory, redis_queues: str, inbox: Inbox) -> None:
    proposal, applicant = _draft(make)
    submit_proposal(db.session, proposal, applicant)
    db.session.commit()
    assert inbox.received == []  # queued, not sent by the web process
    connection = jobs.redis_connection(REDIS_URL)
    mail = Queue(f"{redis_queues}-mail", connection=connection)
    [job] = mail.jobs
    assert list(job.args) == ["evalflow.notifications:send_submission_received",
                              [proposal.id, applicant.id]]

    SimpleWorker([mail], connection=connection).work(burst=True)
    [received] = inbox.received
    assert received.recipients == [applicant.email]
    assert received.message["Subject"].startswith(f"Recibimos su propuesta {proposal.reference}")


@pytest.mark.redis
def test_with_redis_a_refused_smtp_connection_is_retried_until_it_goes_through(
        app: Flask, make: Factory, redis_queues: str) -> None:
    port = closed_port()
    _smtp(app, port)
    proposal, applicant = _draft(make)
    submit_proposal(db.session, proposal, applicant)
    db.session.commit()
    connection = jobs.redis_connection(REDIS_URL)
    mail = Queue(f"{redis_queues}-mail", connection=connection)
    [job] = mail.jobs
    SimpleWorker([mail], connection=connection).work(burst=True)
    job.refresh()
    assert job.get_status() == "scheduled"  # to run again in 30 s
    assert job.retries_left == len(jobs.RETRY_INTERVALS["mail"]) - 1

    # The server is back; run the retry now instead of waiting for the scheduler.
    with smtp_server() as (inbox, back_port):
        _smtp(app, back_port)
        mail.scheduled_job_registry.remove(job)
        mail.enqueue_job(job)
        SimpleWorker([mail], connection=connection).work(burst=True)
    assert job.get_status(refresh=True) == "finished"
    assert [r.recipients for r in inbox.received] == [[applicant.email]]
