"""No list endpoint sends more SQL when it lists more rows."""

from __future__ import annotations

import pytest


def _queries(count_queries, api, path, token):
    with count_queries() as counter:
        response = api.get(path, token)
    assert response.status_code == 200, response.json
    return counter.count, len(response.json.get("items", [])) if isinstance(
        response.json, dict) else 0


@pytest.fixture
def world(make):
    officer = make.officer()
    reviewers = [make.user("reviewer") for _ in range(2)]
    call = make.call(officer=officer, reviewers_per_proposal=2)
    return make, officer, reviewers, call


def _grow(world, n):
    make, _, reviewers, call = world
    for i in range(n):
        make.proposal(call=call, state="reviewed" if i % 2 else "funded", reviewers=reviewers)


@pytest.mark.parametrize("path", ["/calls", "/calls/{code}/proposals",
                                  "/calls/{code}/proposals?state=funded&sector=TIC",
                                  "/calls/{code}/ranking", "/calls/{code}/report",
                                  "/assignments"])
def test_list_endpoints_send_a_fixed_number_of_queries(world, api, count_queries, path):
    make, officer, reviewers, call = world
    token = make.token(reviewers[0] if path == "/assignments" else officer)
    path = path.format(code=call.code)
    _grow(world, 2)
    few, few_items = _queries(count_queries, api, path, token)
    _grow(world, 6)
    for _ in range(3):
        make.call(officer=officer)
    many, many_items = _queries(count_queries, api, path, token)
    assert few == many, f"{path}: {few} queries for {few_items} rows, {many} for {many_items}"
    if path != f"/calls/{call.code}/report":
        assert many_items > few_items


def test_a_proposal_with_a_long_history_costs_no_more_queries(world, api, count_queries):
    make, officer, reviewers, call = world
    token = make.token(officer)
    short_call = make.call(officer=officer, reviewers_per_proposal=1)
    short = make.proposal(call=short_call, state="funded", reviewers=reviewers[:1])
    long = make.proposal(call=call, state="funded", reviewers=reviewers)
    first, _ = _queries(count_queries, api, f"/proposals/{short.id}", token)
    second, _ = _queries(count_queries, api, f"/proposals/{long.id}", token)
    assert first == second
