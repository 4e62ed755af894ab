"""The program officers' list pages cost the same number of SQL queries for a call of
1,000 proposals as for one of 20: every list is read with a fixed set of queries, never one
per proposal, reviewer or review.

The calls are the benchmark's (`bench/dataset.py`): every proposal submitted, screened,
reviewed by three of 60 reviewers, the best funded within the budget, the weakest declined.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench import dataset
from evalflow.auth.services import create_user
from evalflow.decisions.views import RANKING_PER_PAGE
from evalflow.extensions import db
from evalflow.proposals.models import Proposal, ProposalState
from evalflow.reports.services import RANKED
from evalflow.reports.views import PROPOSALS_PER_PAGE as DASHBOARD_PER_PAGE
from evalflow.reviews.board import ON_BOARD
from evalflow.reviews.board import PER_PAGE as BOARD_PER_PAGE

SMALL, LARGE = 20, 1000
CALL = dataset.CALL_CODE
PAGES = [
    "/officer/calls/",
    "/officer/screening/",
    f"/officer/assignments/{CALL}",
    f"/officer/funding/{CALL}",
    f"/officer/funding/{CALL}/letters",
    f"/officer/reports/{CALL}",
    f"/officer/reports/{CALL}/export.csv",
]
PASSWORD = "scale pages 1000"


def _load_call(proposals: int) -> None:
    """Empty every table, then load the benchmark call with this many proposals."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    dataset.insert(db.session, dataset.build(proposals))
    create_user(db.session, email="officer.scale@example.mx", name="Scale Officer",
                role="officer", password=PASSWORD).locale = "en"
    db.session.commit()


def _queries_per_page(client: FlaskClient, count_queries) -> dict[str, tuple[int, int]]:
    """{path: (queries, bytes)} for each page, signed in as the officer."""
    response = client.post("/auth/login", data={"email": "officer.scale@example.mx",
                                                "password": PASSWORD})
    assert response.status_code == 302
    figures = {}
    for path in PAGES:
        client.get(path)  # warm: the same session and cache state before each count
        with count_queries() as counter:
            response = client.get(path)
        assert response.status_code == 200, path
        figures[path] = (counter.count, len(response.data))
    client.post("/auth/logout")
    return figures


@pytest.mark.slow
def test_list_pages_send_the_same_queries_for_1000_proposals_as_for_20(
        app: Flask, client: FlaskClient, count_queries) -> None:
    _load_call(SMALL)
    small = _queries_per_page(client, count_queries)
    db.session.remove()
    _load_call(LARGE)
    large = _queries_per_page(client, count_queries)

    assert {path: count for path, (count, _) in large.items()} == \
           {path: count for path, (count, _) in small.items()}
    # The lists really hold the proposals: the export grows with the call, and the paged
    # lists fill their pages.
    export = f"/officer/reports/{CALL}/export.csv"
    assert large[export][1] > 20 * small[export][1]
    for path in (f"/officer/funding/{CALL}", f"/officer/assignments/{CALL}",
                 f"/officer/reports/{CALL}"):
        assert large[path][1] > 2 * small[path][1], path


LISTED = re.compile(r'<tr id="proposal-(\d+)"|/proposals/(\d+)/history')


def _rows(html: str) -> list[int]:
    """The proposals listed, by id: a ranking or board row, or a dashboard history link."""
    return [int(row or link) for row, link in LISTED.findall(html)]


@pytest.mark.parametrize(("path", "per_page", "states"), [
    (f"/officer/funding/{CALL}", RANKING_PER_PAGE, RANKED),  # reviewed, funded, declined
    (f"/officer/assignments/{CALL}", BOARD_PER_PAGE, ON_BOARD),  # still to decide
    (f"/officer/reports/{CALL}", DASHBOARD_PER_PAGE, tuple(ProposalState)),  # all of them
], ids=["ranking", "board", "dashboard"])
def test_a_call_of_1000_proposals_is_shown_in_pages_that_hold_each_once(
        app: Flask, client: FlaskClient, path: str, per_page: int, states: tuple) -> None:
    _load_call(LARGE)
    client.post("/auth/login", data={"email": "officer.scale@example.mx",
                                     "password": PASSWORD})
    listed = set(db.session.scalars(sa.select(Proposal.id).where(Proposal.state.in_(states))))
    pages = -(-len(listed) // per_page)
    assert pages > 1
    seen: list[int] = []
    for number in range(1, pages + 1):
        html = client.get(f"{path}?page={number}").text
        assert f"Page {number} of {pages}" in html
        assert ("Next page" in html) == (number < pages)
        assert ("Previous page" in html) == (number > 1)
        rows = _rows(html)
        assert len(rows) == (per_page if number < pages else len(listed) - per_page * (pages - 1))
        seen += rows
    assert len(seen) == len(set(seen)) and set(seen) == listed
    assert _rows(client.get(f"{path}?page=abc").text) == seen[:per_page]  # page 1


def test_the_ranking_pages_keep_the_order_and_the_sector_filter(
        app: Flask, client: FlaskClient) -> None:
    _load_call(LARGE)
    client.post("/auth/login", data={"email": "officer.scale@example.mx",
                                     "password": PASSWORD})
    last = client.get(f"/officer/funding/{CALL}?page=10").text
    ranks = [int(r) for r in re.findall(r'<tr id="proposal-\d+">\s*<td>(\d+)</td>', last)]
    assert ranks == list(range(901, 1001))
    tic = client.get(f"/officer/funding/{CALL}?sector=TIC").text  # 100+ of the 1,000
    assert f"/officer/funding/{CALL}?page=2&amp;sector=TIC" in tic
