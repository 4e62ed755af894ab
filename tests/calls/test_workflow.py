"""The call lifecycle: draft → open → closed → decided, every state × event pair."""

from __future__ import annotations

import pytest

from evalflow.calls.models import CallState
from evalflow.calls.services import transition_call
from evalflow.calls.workflow import call_workflow
from evalflow.errors import InvalidTransition
from evalflow.extensions import db

EXPECTED = {("draft", "open"): "open", ("open", "close"): "closed", ("closed", "decide"): "decided"}


@pytest.mark.parametrize("state", [s.value for s in CallState])
@pytest.mark.parametrize("event", ["open", "close", "decide"])
def test_every_event_from_every_state(make, state, event):
    officer = make.officer()
    call = make.call(state="draft" if state == "decided" else state, officer=officer)
    if state == "decided":
        for step in ("open", "close", "decide"):
            transition_call(db.session, call, step, officer)
        db.session.commit()
    expected = EXPECTED.get((state, event))
    if expected is None:
        with pytest.raises(InvalidTransition):
            transition_call(db.session, call, event, officer)
        db.session.rollback()
        db.session.refresh(call)
        assert call.state.value == state
    else:
        assert transition_call(db.session, call, event, officer).value == expected


def test_a_call_with_undecided_proposals_cannot_be_decided(make):
    officer = make.officer()
    call = make.call(officer=officer)
    make.proposal(call=call, state="reviewed")
    transition_call(db.session, call, "close", officer)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="1 reviewed"):
        transition_call(db.session, call, "decide", officer)


def test_events_are_exactly_those_of_the_design():
    assert sorted(call_workflow.events) == ["close", "decide", "open"]
