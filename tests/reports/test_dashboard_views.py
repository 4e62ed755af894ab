"""The officers' call dashboard, exports and proposal history: access, content, escaping, and
a number of queries that does not grow with the number of proposals."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient
from flask_babel import refresh
from openpyxl import load_workbook

from evalflow.auth.models import User
from evalflow.auth.services import create_user
from evalflow.calls.models import Call
from evalflow.extensions import db
from tests.factories import Factory

PASSWORD = "correct horse"
HOSTILE = '<script>alert("x")</script>'


def sign_in(client: FlaskClient, role: str = "officer", *, english: bool = True) -> User:
    email = f"{role}-signed-in@example.mx"
    user = create_user(db.session, email=email, name=f"Persona {role}", role=role,
                       institution="Instituto Ficticio" if role == "applicant" else None,
                       password=PASSWORD)
    if english:
        user.locale = "en"
    db.session.commit()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    refresh()  # the tests share one app context, where Flask-Babel keeps the locale
    return user


@pytest.fixture
def call(make: Factory) -> Call:
    return make.call()


@pytest.fixture
def decided(make: Factory, call: Call) -> dict:
    """A funded, a declined, a submitted and an ineligible proposal, two named reviewers."""
    ana, berta = make.user("reviewer", name="Ana Ruiz"), make.user("reviewer", name="Berta Soto")
    funded = make.proposal(call=call, state="funded", reviewers=[ana, berta],
                           scores=[{"C1": 9, "C2": 8}, {"C1": 7, "C2": 6}], amount="900000.50")
    declined = make.proposal(call=call, state="not_funded", reviewers=[ana, berta],
                             sector="SAL", title="=HYPERLINK(\"http://evil\")")
    make.proposal(call=call, state="submitted")
    make.proposal(call=call, state="ineligible")
    return {"funded": funded, "declined": declined}


def pages(call: Call, proposal_id: int = 1) -> list[str]:
    base = f"/officer/reports/{call.code}"
    return [base, f"{base}/export.csv", f"{base}/export.xlsx",
            f"{base}/proposals/{proposal_id}/history"]


# Access ---------------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(client: FlaskClient, make: Factory, call: Call):
    proposal = make.proposal(call=call, state="submitted")
    for url in pages(call, proposal.id):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.location, url


@pytest.mark.parametrize("role", ["applicant", "reviewer"])
def test_applicants_and_reviewers_are_refused(client: FlaskClient, make: Factory, call: Call,
                                              role: str):
    proposal = make.proposal(call=call, state="submitted")
    sign_in(client, role)
    for url in pages(call, proposal.id):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_officers_and_admins_see_every_page(client: FlaskClient, make: Factory, call: Call,
                                            role: str):
    proposal = make.proposal(call=call, state="submitted")
    sign_in(client, role)
    for url in pages(call, proposal.id):
        assert client.get(url).status_code == 200, url


def test_an_unknown_call_format_or_proposal_of_another_call_is_not_found(
        client: FlaskClient, make: Factory, call: Call):
    other = make.proposal(state="submitted")  # in another call
    sign_in(client)
    assert client.get("/officer/reports/NOPE").status_code == 404
    assert client.get(f"/officer/reports/{call.code}/export.pdf").status_code == 404
    assert client.get(
        f"/officer/reports/{call.code}/proposals/{other.id}/history").status_code == 404


# The dashboard --------------------------------------------------------------------------------

def test_the_dashboard_shows_the_funnel_sectors_and_reviewers(
        client: FlaskClient, call: Call, decided: dict):
    sign_in(client)
    html = client.get(f"/officer/reports/{call.code}").get_data(as_text=True)
    assert 'aria-label="Funnel of call' in html
    assert html.count('role="img"') == 4
    # Funnel: 4 received, 2 eligible, 2 reviewed, 1 funded — in the table and on the bars.
    assert "<td>4</td><td>2</td>" in html
    assert ">Received: 4</title>" in html and ">Funded: 1</title>" in html
    assert "Tecnologías de la Información y Comunicación" in html and "Salud" in html
    assert "$900,000.50" in html
    assert "Ana Ruiz" in html and "Berta Soto" in html and "n=2 · median" in html
    assert f"/officer/reports/{call.code}/export.csv" in html
    assert f"/proposals/{decided['funded'].id}/history" in html


def test_a_script_in_a_sector_or_title_is_escaped_in_the_svg_and_the_table(
        client: FlaskClient, make: Factory):
    call = make.call(sectors=[{"code": "X", "name": HOSTILE}])
    reviewer = make.user("reviewer", name=HOSTILE)
    make.proposal(call=call, sector="X", title=HOSTILE, state="reviewed",
                  reviewers=[reviewer, make.user("reviewer")])
    sign_in(client)
    html = client.get(f"/officer/reports/{call.code}").get_data(as_text=True)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    for svg in html.split("<svg")[1:]:
        ET.fromstring("<svg" + svg.split("</svg>")[0] + "</svg>")  # still well-formed
    assert '<th scope="row">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;</th>' in html


def _grow(make: Factory, call: Call, n: int) -> None:
    reviewers = [make.user("reviewer"), make.user("reviewer")]
    for i in range(n):
        make.proposal(call=call, state="funded" if i % 2 else "reviewed", reviewers=reviewers,
                      amount="1000.00")


@pytest.mark.parametrize("suffix", ["", "/export.csv", "/export.xlsx"])
def test_the_queries_do_not_grow_with_the_proposals(
        client: FlaskClient, make: Factory, count_queries, suffix: str):
    call = make.call()
    sign_in(client)
    _grow(make, call, 1)
    url = f"/officer/reports/{call.code}{suffix}"
    db.session.commit()  # each request starts its own transaction, as in production
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _grow(make, call, 4)
    db.session.commit()
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count <= 10


# Exports --------------------------------------------------------------------------------------

def test_the_csv_export_has_one_row_per_review_with_scores_comments_and_decisions(
        client: FlaskClient, call: Call, decided: dict):
    sign_in(client)
    response = client.get(f"/officer/reports/{call.code}/export.csv")
    assert response.mimetype == "text/csv"
    assert f'filename="{call.code}-reviews.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))
    header = rows[0]
    assert header[0] == "Reference (one row per review)"
    assert header[14:16] == ["C1", "C2"]
    by_ref = [row for row in rows[1:] if row[0] == decided["funded"].reference]
    assert len(by_ref) == 2  # two reviews
    assert {row[12] for row in by_ref} == {"Ana Ruiz", "Berta Soto"}
    assert by_ref[0][6] == "900000.50" and by_ref[0][4] == "Funded"
    assert {(row[14], row[15]) for row in by_ref} == {("9", "8"), ("7", "6")}
    assert by_ref[0][16] == "Bien" and by_ref[0][17] == "Sólido"
    declined = [row for row in rows[1:] if row[0] == decided["declined"].reference]
    assert declined[0][1] == "'=HYPERLINK(\"http://evil\")"
    assert declined[0][10] == "Presupuesto insuficiente"
    ineligible = [row for row in rows[1:] if row[9] == "Sin registro"]
    assert len(ineligible) == 1 and ineligible[0][12] == ""
    assert len(rows) == 1 + 2 + 2 + 1 + 1


def test_the_xlsx_export_reads_back_with_money_as_numbers(
        client: FlaskClient, call: Call, decided: dict):
    sign_in(client)
    response = client.get(f"/officer/reports/{call.code}/export.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Reference (one row per review)"
    funded = [row for row in rows[1:] if row[0] == decided["funded"].reference]
    assert funded[0][6] == pytest.approx(900000.5)
    assert any(row[1] == "'=HYPERLINK(\"http://evil\")" for row in rows)


# History --------------------------------------------------------------------------------------

def test_the_history_lists_every_event_with_who_what_states_and_reason(
        client: FlaskClient, call: Call, decided: dict):
    sign_in(client)
    declined = decided["declined"]
    html = client.get(f"/officer/reports/{call.code}/proposals/{declined.id}/history"
                      ).get_data(as_text=True)
    assert f"History of {declined.reference}" in html
    assert "Submitted → Eligible" in html and "Reviewed → Not funded" in html
    assert "Presupuesto insuficiente" in html
    assert "Mexico City time" in html
    assert "@example.mx" in html
    assert html.count("<li>") >= 6
    assert "Reviewer assigned" in html and "Declined" in html


def test_the_history_of_a_funded_proposal_shows_the_amount(
        client: FlaskClient, call: Call, decided: dict):
    sign_in(client)
    funded = decided["funded"]
    html = client.get(f"/officer/reports/{call.code}/proposals/{funded.id}/history"
                      ).get_data(as_text=True)
    assert "Reviewed → Funded" in html and "$900,000.50" in html
