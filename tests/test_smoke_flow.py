def test_a_whole_call_through_the_factories(make):
    call = make.call()
    proposal = make.proposal(call=call, state="funded")
    assert proposal.state.value == "funded"
    assert call.awarded_total == proposal.awarded_amount
