"""The program officers' list pages cost the same number of SQL queries for a call of
1,000 proposals as for one of 20: every list is read with a fixed set of queries, never one
per proposal, reviewer or review.

The calls are the benchmark's (`bench/dataset.py`): every proposal submitted, screened,
reviewed by three of 60 reviewers, the best funded within the budget, the weakest declined.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench import dataset
from evalflow.auth.services import create_user
from evalflow.extensions import db

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
    # The lists really hold the proposals: the ranking and the export grow with the call.
    for path in (f"/officer/funding/{CALL}", f"/officer/reports/{CALL}/export.csv"):
        assert large[path][1] > 20 * small[path][1], path


def test_the_ranking_of_1000_proposals_lists_every_reviewed_one(
        app: Flask, client: FlaskClient) -> None:
    _load_call(LARGE)
    client.post("/auth/login", data={"email": "officer.scale@example.mx",
                                     "password": PASSWORD})
    page = client.get(f"/officer/funding/{CALL}").text
    assert page.count('id="proposal-') == LARGE
    assert f"{CALL}-1000" in page
