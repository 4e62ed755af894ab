"""The audit trail: written with each change, chained by hashes, and checked end to end."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.audit import AuditEvent, AuditHead, verify_chain
from evalflow.extensions import db


def _events():
    return db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()


def test_every_change_of_a_funded_proposal_is_recorded_in_order(make):
    proposal = make.proposal(state="funded")
    actions = [e.action for e in _events() if e.proposal_id == proposal.id]
    assert actions == [
        "proposal.create", "proposal.add_document", "proposal.submit",
        "proposal.approve_eligibility", "assignment.create", "proposal.start_review",
        "assignment.create", "assignment.declare_no_conflict", "review.submit",
        "assignment.declare_no_conflict", "review.submit", "proposal.complete_review",
        "proposal.fund",
    ]
    fund = _events()[-1]
    assert (fund.from_state, fund.to_state) == ("reviewed", "funded")
    assert fund.actor.endswith("@example.mx") and fund.occurred_at.tzinfo is not None
    assert '"amount": "950000.00"' in fund.data


def test_a_refused_change_leaves_no_record(make, api):
    proposal = make.proposal(state="reviewed")
    officer = make.officer()
    before = len(_events())
    response = api.post(f"/proposals/{proposal.id}/transitions",
                        {"event": "fund", "amount": "99999999.00"}, make.token(officer))
    assert response.status_code == 409
    assert len(_events()) == before


def test_an_intact_chain_verifies(make, runner):
    make.proposal(state="not_funded")
    report = verify_chain(db.session)
    assert report.ok and report.events == len(_events())
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and f"{report.events} events" in result.output


def test_an_altered_record_is_found(make, runner):
    make.proposal(state="funded")
    target = _events()[5]
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == target.id)
                       .values(reason="retouched"))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0
    assert f"event {target.seq}" in result.output


def test_a_removed_record_is_found(make, runner):
    make.proposal(state="funded")
    target = _events()[3]
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == target.id))
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code != 0 and f"event {target.seq}" in result.output


def test_removing_the_newest_records_is_found(make):
    make.proposal(state="funded")
    last = _events()[-1]
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.seq >= last.seq - 1))
    db.session.commit()
    report = verify_chain(db.session)
    assert not report.ok and report.first_bad_seq == last.seq - 1


def test_a_recomputed_hash_still_breaks_the_next_link(make):
    make.proposal(state="funded")
    target = _events()[4]
    target.reason = "forged"
    target.hash = target.compute_hash()
    db.session.commit()
    report = verify_chain(db.session)
    assert not report.ok and report.first_bad_seq == target.seq + 1


def test_the_head_follows_the_last_event(make):
    make.proposal(state="submitted")
    head = db.session.get(AuditHead, 1)
    assert head.last_seq == len(_events()) and head.last_hash == _events()[-1].hash


def test_times_given_in_another_zone_still_verify(make):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from evalflow.calls.services import transition_call

    officer = make.officer()
    call = make.call(state="draft", officer=officer)
    transition_call(db.session, call, "open", officer,
                    at=datetime(2008, 9, 15, 9, tzinfo=ZoneInfo("America/Mexico_City")))
    db.session.commit()
    assert verify_chain(db.session).ok


def test_review_events_name_their_call(make):
    proposal = make.proposal(state="reviewed")
    reviews = [e for e in _events() if e.action == "review.submit"]
    assert reviews and all(e.call_id == proposal.call_id for e in reviews)
