"""The proposal lifecycle: every state × event pair, and what a refusal leaves behind."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from evalflow.audit import AuditEvent
from evalflow.database import utcnow
from evalflow.errors import InvalidTransition
from evalflow.extensions import db
from evalflow.proposals.models import ProposalState
from evalflow.proposals.workflow import proposal_workflow

STATES = [s.value for s in ProposalState]
EVENTS = proposal_workflow.events

EXPECTED = {
    ("draft", "submit"): "submitted",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "approve_eligibility"): "eligible",
    ("submitted", "reject_eligibility"): "ineligible",
    ("submitted", "withdraw"): "withdrawn",
    ("eligible", "start_review"): "under_review",
    ("eligible", "withdraw"): "withdrawn",
    ("under_review", "complete_review"): "reviewed",
    ("reviewed", "fund"): "funded",
    ("reviewed", "decline"): "not_funded",
}

# A context that satisfies every guard, so only the state decides.
CONTEXT = {"reason": "Motivo", "values": {}, "submitted_reviews": 99}


def _context(event: str) -> dict:
    if event == "fund":
        return {**CONTEXT, "values": {"awarded_amount": Decimal("500000.00")}}
    if event == "submit":
        return {**CONTEXT, "values": {"submitted_at": utcnow()}}
    if event == "complete_review":
        return {**CONTEXT, "values": {"score": Decimal("7.5"), "score_spread": Decimal(1),
                                      "review_count": 2, "below_threshold": []}}
    return CONTEXT


def test_the_table_names_exactly_the_events_of_the_design():
    assert sorted(EVENTS) == sorted({"submit", "approve_eligibility", "reject_eligibility",
                                     "start_review", "complete_review", "fund", "decline",
                                     "withdraw"})


@pytest.mark.parametrize("state", STATES)
def test_every_event_from_every_state(make, state):
    proposal = make.proposal(state=state)
    officer = make.officer()
    for event in EVENTS:
        expected = EXPECTED.get((state, event))
        assert proposal_workflow.target(proposal.state, event) == (
            ProposalState(expected) if expected else None
        )
        before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
        if expected is None:
            with pytest.raises(InvalidTransition):
                proposal_workflow.fire(db.session, proposal, event, officer, **_context(event))
            db.session.rollback()
            assert proposal.state.value == state
            assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == before
        else:
            context = _context(event)
            proposal_workflow.fire(db.session, proposal, event, officer,
                                   reason=context["reason"], values=context["values"],
                                   submitted_reviews=99)
            db.session.rollback()  # undo, so the next event starts from `state` again
            db.session.refresh(proposal)
            assert proposal.state.value == state


def test_a_stale_copy_cannot_change_the_row(make):
    """Two requests read the same draft; the second compare-and-set finds it changed."""
    proposal = make.proposal(state="submitted")
    officer = make.officer()
    stale_state = proposal.state
    db.session.execute(sa.update(type(proposal)).where(type(proposal).id == proposal.id)
                       .values(state=ProposalState.ELIGIBLE)
                       .execution_options(synchronize_session=False))
    set_committed_value(proposal, "state", stale_state)  # what this request still believes
    with pytest.raises(InvalidTransition, match="changed by someone else"):
        proposal_workflow.fire(db.session, proposal, "reject_eligibility", officer,
                               reason="Sin registro")


def test_the_machine_has_no_automatic_to_state_events():
    assert not any(event.startswith("to_") for event in EVENTS)
