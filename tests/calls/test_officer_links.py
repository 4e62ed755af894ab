"""An officer reaches every page of a call by following links: the list of calls leads to
each call's assignment board, ranking and dashboard, and those pages lead back to the calls
and to screening."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories import Factory, sign_in


def _row(html: str, code: str) -> str:
    return html.split(f"{code} — ")[1].split("</tr>")[0]


def test_the_list_links_each_call_to_its_board_ranking_and_dashboard(
        client: FlaskClient, make: Factory):
    opened = make.call(code="LINKS-OPEN")
    draft = make.call(code="LINKS-DRAFT", state="draft")
    sign_in(client, make.officer())
    html = client.get("/officer/calls/").text
    row = _row(html, opened.code)
    for href in (f"/officer/assignments/{opened.code}", f"/officer/funding/{opened.code}",
                 f"/officer/reports/{opened.code}"):
        assert f'href="{href}"' in row, href
    assert "Assignment board" in row and "Ranking and funding" in row
    assert "Call dashboard" in row
    assert "/officer/assignments/" not in _row(html, draft.code)  # nothing to see yet


def test_the_calls_pages_lead_back_to_the_calls_and_screening(
        client: FlaskClient, make: Factory):
    call = make.call(code="LINKS-BACK")
    proposal = make.proposal(call=call, state="reviewed")
    sign_in(client, make.officer())
    for path in (f"/officer/assignments/{call.code}", f"/officer/funding/{call.code}",
                 f"/officer/funding/{call.code}/proposals/{proposal.id}",
                 f"/officer/funding/{call.code}/letters", f"/officer/reports/{call.code}",
                 f"/officer/reports/{call.code}/proposals/{proposal.id}/history"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert 'href="/officer/calls/"' in response.text, path
        assert 'href="/officer/screening/"' in response.text, path
