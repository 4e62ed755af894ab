"""The institutions' pages: drafting, documents, submission, withdrawal and decisions."""

from __future__ import annotations

import io
import itertools
import re
from datetime import timedelta

import pytest
from flask import g

from config import TestingConfig
from evalflow import create_app
from evalflow.auth.models import User
from evalflow.auth.services import create_user
from evalflow.database import utcnow
from evalflow.extensions import db
from evalflow.proposals.models import Proposal, ProposalState
from tests.factories import PDF

PASSWORD = "correct horse"
_n = itertools.count(1)


def _person(role: str, institution: str | None = None) -> User:
    n = next(_n)
    user = create_user(db.session, email=f"{role}.{n}@web.mx", name=f"{role.title()} {n}",
                       role=role, institution=institution, password=PASSWORD)
    db.session.commit()
    return user


def _sign_in(client, user: User) -> None:
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def _in_english(user: User) -> None:
    """Pages for this person in English (Spanish is the default), as the test reads them.
    The `app` fixture's shared app context caches the locale in `g`, so forget it."""
    user.locale = "en"
    db.session.commit()
    g.pop("_flask_babel", None)


@pytest.fixture
def applicant(app) -> User:
    return _person("applicant", institution="Instituto Tecnológico Ficticio")


@pytest.fixture
def web(client, applicant):
    """A test client signed in as the applicant."""
    _sign_in(client, applicant)
    return client


def _html(response) -> str:
    return response.get_data(as_text=True)


def _fields(proposal: Proposal, **overrides: str) -> dict[str, str]:
    data = {
        "sector": "TIC", "title": proposal.title, "summary": proposal.summary,
        "work_plan": "Plan", "requested_amount": "950000.00",
        "budget_lines-0-concept": "Personal", "budget_lines-0-amount": "600000.00",
        "budget_lines-1-concept": "Viajes", "budget_lines-1-amount": "350000.00",
        "action": "save",
    }
    data.update(overrides)
    return data


# --- access ----------------------------------------------------------------------------------

PAGES = [
    ("get", "/institution/"),
    ("get", "/institution/new"),
    ("get", "/institution/proposals/{id}/edit"),
    ("get", "/institution/proposals/{id}"),
    ("get", "/institution/proposals/{id}/submit"),
    ("get", "/institution/proposals/{id}/withdraw"),
    ("get", "/institution/proposals/{id}/letter"),
    ("get", "/institution/proposals/{id}/documents/{doc}"),
    ("post", "/institution/proposals/{id}/documents"),
    ("post", "/institution/proposals/{id}/documents/{doc}/remove"),
]


def _url(template: str, proposal: Proposal) -> str:
    return template.format(id=proposal.id, doc=proposal.documents[0].id)


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, make, method, path):
    proposal = make.proposal()
    response = getattr(client, method)(_url(path, proposal))
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["reviewer", "officer"])
@pytest.mark.parametrize(("method", "path"), PAGES)
def test_other_roles_are_refused(client, make, role, method, path):
    proposal = make.proposal()
    _sign_in(client, _person(role))
    assert getattr(client, method)(_url(path, proposal)).status_code == 403


@pytest.mark.parametrize(("method", "path"), [p for p in PAGES if "{id}" in p[1]])
def test_another_institutions_proposal_is_not_found(web, make, method, path):
    proposal = make.proposal()  # a different, new institution
    assert getattr(web, method)(_url(path, proposal)).status_code == 404


# --- home and new draft ----------------------------------------------------------------------


def test_home_lists_open_calls_with_deadline_and_own_proposals(web, make, applicant):
    call = make.call(closes_at=(utcnow() + timedelta(days=3, hours=2)).isoformat())
    mine = make.proposal(call=call, applicant=applicant, title="Nuestra propuesta")
    make.proposal(call=call, title="Ajena")
    closed = make.call(state="closed")
    html = _html(web.get("/institution/"))
    assert call.code in html and closed.code not in html
    assert "hora del centro" in html  # the deadline in the call's time zone
    assert re.search(r"3 [^<]*, [12] h", html)  # and how long is left
    assert mine.reference in html and "Nuestra propuesta" in html
    assert "Ajena" not in html


def test_start_a_draft_in_an_open_call(web, make, applicant):
    call = make.call()
    response = web.post("/institution/new", data={"call": call.code})
    assert response.status_code == 302
    proposal = db.session.query(Proposal).filter_by(institution_id=applicant.institution_id).one()
    assert response.headers["Location"].endswith(f"/institution/proposals/{proposal.id}/edit")
    assert proposal.state == ProposalState.DRAFT
    assert web.get("/institution/new").status_code == 200


# --- editing ---------------------------------------------------------------------------------


def test_edit_saves_fields_and_budget_lines(web, make, applicant):
    proposal = make.proposal(applicant=applicant)
    response = web.post(f"/institution/proposals/{proposal.id}/edit",
                        data=_fields(proposal, title="Nuevo título",
                                     **{"budget_lines-0-amount": "500000.00",
                                        "budget_lines-1-amount": "450000.00"}))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Proposal, proposal.id)
    assert saved.title == "Nuevo título"
    assert [str(line.amount) for line in saved.budget_lines] == ["500000.00", "450000.00"]
    html = _html(web.get(f"/institution/proposals/{proposal.id}/edit"))
    assert 'value="Nuevo título"' in html and "data-server-saved" in html


@pytest.mark.parametrize("typed", ["NaN", "1E+309", "1_000", "９５００００", "950,000", "-5"])
def test_invalid_money_is_kept_in_the_field_with_an_error(web, make, applicant, typed):
    proposal = make.proposal(applicant=applicant)
    response = web.post(f"/institution/proposals/{proposal.id}/edit",
                        data=_fields(proposal, requested_amount=typed, title="Cambiado"))
    html = _html(response)
    assert response.status_code == 422
    assert f'value="{typed}"' in html
    assert 'id="requested_amount-error"' in html and "950000.00" in html
    assert 'value="Cambiado"' in html  # what else was typed is kept too
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title != "Cambiado"


def test_invalid_budget_line_amount_is_shown_next_to_it(web, make, applicant):
    proposal = make.proposal(applicant=applicant)
    response = web.post(f"/institution/proposals/{proposal.id}/edit",
                        data=_fields(proposal, **{"budget_lines-1-amount": "NaN"}))
    html = _html(response)
    assert response.status_code == 422
    assert 'id="budget_lines-1-amount-error"' in html and 'value="NaN"' in html


def test_budget_lines_are_added_and_removed_without_javascript(web, make, applicant):
    proposal = make.proposal(applicant=applicant)
    url = f"/institution/proposals/{proposal.id}/edit"
    html = _html(web.post(url, data=_fields(proposal, action="add_line", title="Sin guardar")))
    assert 'name="budget_lines-2-concept"' in html and 'value="Sin guardar"' in html
    html = _html(web.post(url, data=_fields(proposal, action="remove_line-0")))
    assert 'value="Personal"' not in html and 'value="Viajes"' in html
    assert 'name="budget_lines-1-concept"' not in html


def test_upload_and_remove_a_document(web, make, applicant):
    proposal = make.proposal(applicant=applicant)
    url = f"/institution/proposals/{proposal.id}/documents"
    response = web.post(url, data={"file": (io.BytesIO(PDF), "anexo técnico.pdf")},
                        content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    names = [d.filename for d in db.session.get(Proposal, proposal.id).documents]
    assert names == ["plan.pdf", "anexo técnico.pdf"]
    document = db.session.get(Proposal, proposal.id).documents[1]
    opened = web.get(f"{url}/{document.id}")
    assert opened.status_code == 200 and opened.data == PDF
    assert "inline" in opened.headers["Content-Disposition"]
    assert web.post(f"{url}/{document.id}/remove").status_code == 302
    db.session.expire_all()
    assert [d.filename for d in db.session.get(Proposal, proposal.id).documents] == ["plan.pdf"]


def test_a_file_that_is_not_a_pdf_is_explained(web, make, applicant):
    _in_english(applicant)
    proposal = make.proposal(applicant=applicant)
    response = web.post(f"/institution/proposals/{proposal.id}/documents",
                        data={"file": (io.BytesIO(b"hello"), "plan.pdf")},
                        content_type="multipart/form-data", follow_redirects=True)
    assert "Only PDF documents are accepted" in _html(response)
    assert len(db.session.get(Proposal, proposal.id).documents) == 1


def test_a_file_too_large_is_explained(app, web, make, applicant):
    _in_english(applicant)
    app.config["MAX_UPLOAD_BYTES"] = 1000
    proposal = make.proposal(applicant=applicant)
    response = web.post(f"/institution/proposals/{proposal.id}/documents",
                        data={"file": (io.BytesIO(PDF + b" " * 2000), "big.pdf")},
                        content_type="multipart/form-data", follow_redirects=True)
    assert "The file is too large" in _html(response)


# --- submission ------------------------------------------------------------------------------


def test_confirm_page_lists_mismatch_and_missing_document_in_plain_words(web, make, applicant):
    _in_english(applicant)
    proposal = make.proposal(applicant=applicant)
    web.post(f"/institution/proposals/{proposal.id}/documents/{proposal.documents[0].id}/remove")
    web.post(f"/institution/proposals/{proposal.id}/edit",
             data=_fields(proposal, requested_amount="900000.00"))
    page = web.get(f"/institution/proposals/{proposal.id}/submit")
    html = _html(page)
    assert "cannot be submitted yet" in html
    assert "The budget does not add up" in html and "$950,000.00" in html and "$900,000.00" in html
    assert "A document is missing" in html
    assert "Submit the proposal" not in html
    refused = web.post(f"/institution/proposals/{proposal.id}/submit")
    assert refused.status_code == 409
    assert db.session.get(Proposal, proposal.id).state == ProposalState.DRAFT


def test_a_passed_deadline_is_explained(web, make, applicant):
    _in_english(applicant)
    call = make.call()
    proposal = make.proposal(call=call, applicant=applicant)
    call.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    html = _html(web.get(f"/institution/proposals/{proposal.id}/submit"))
    assert "The deadline has passed" in html


def test_submit_then_read_only_with_history(web, make, applicant):
    _in_english(applicant)
    proposal = make.proposal(applicant=applicant)
    html = _html(web.get(f"/institution/proposals/{proposal.id}/submit"))
    assert "Submit the proposal" in html and proposal.title in html
    response = web.post(f"/institution/proposals/{proposal.id}/submit")
    assert response.headers["Location"].endswith(f"/institution/proposals/{proposal.id}")
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == ProposalState.SUBMITTED
    edit = web.get(f"/institution/proposals/{proposal.id}/edit")
    assert edit.status_code == 302  # read-only now: sent to the detail page
    changed = web.post(f"/institution/proposals/{proposal.id}/edit",
                       data=_fields(proposal, title="Tarde"))
    assert changed.status_code == 302
    assert db.session.get(Proposal, proposal.id).title != "Tarde"
    html = _html(web.get(f"/institution/proposals/{proposal.id}"))
    assert 'class="timeline"' in html and "draft started" in html and "Submitted" in html
    assert "<input" not in html.split("<main", 1)[1].replace('type="hidden"', "")


def test_withdraw_while_allowed(web, make, applicant):
    _in_english(applicant)
    proposal = make.proposal(applicant=applicant, state="submitted")
    page = web.get(f"/institution/proposals/{proposal.id}/withdraw")
    assert "Withdraw the proposal" in _html(page)
    web.post(f"/institution/proposals/{proposal.id}/withdraw")
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).state == ProposalState.WITHDRAWN
    again = web.get(f"/institution/proposals/{proposal.id}/withdraw")
    assert again.status_code == 302


def test_withdraw_is_refused_once_review_started(web, make, applicant):
    _in_english(applicant)
    proposal = make.proposal(applicant=applicant, state="under_review")
    assert "Withdraw" not in _html(web.get(f"/institution/proposals/{proposal.id}"))
    response = web.post(f"/institution/proposals/{proposal.id}/withdraw", follow_redirects=True)
    assert "can no longer be withdrawn" in _html(response)
    assert db.session.get(Proposal, proposal.id).state == ProposalState.UNDER_REVIEW


# --- after the decision ----------------------------------------------------------------------


def test_letter_download_and_comments_after_the_decision(web, make, applicant):
    reviewer = _person("reviewer")
    reviewer.name = "Dra. Revisora Secreta"
    db.session.commit()
    others = [reviewer, _person("reviewer")]
    proposal = make.proposal(applicant=applicant, state="funded", reviewers=others)
    html = _html(web.get(f"/institution/proposals/{proposal.id}"))
    assert "Bien" in html  # the reviewers' comment for the applicant
    assert "Sólido" not in html  # never the committee's
    assert "Revisora" not in html and reviewer.email not in html
    letter = web.get(f"/institution/proposals/{proposal.id}/letter")
    assert letter.status_code == 200
    assert letter.mimetype == "application/pdf" and letter.data.startswith(b"%PDF")
    assert "attachment" in letter.headers["Content-Disposition"]


def test_no_letter_before_the_decision(web, make, applicant):
    proposal = make.proposal(applicant=applicant, state="submitted")
    assert web.get(f"/institution/proposals/{proposal.id}/letter").status_code == 302


# --- safety and language ---------------------------------------------------------------------


def test_a_hostile_title_is_escaped_everywhere(web, make, applicant):
    hostile = "<script>alert(1)</script>"
    proposal = make.proposal(applicant=applicant, title=hostile)
    for path in ("/institution/", f"/institution/proposals/{proposal.id}/edit",
                 f"/institution/proposals/{proposal.id}/submit",
                 f"/institution/proposals/{proposal.id}",
                 f"/institution/proposals/{proposal.id}/withdraw"):
        html = _html(web.get(path))
        assert hostile not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path


def test_domain_refusals_become_pages_not_json(web, make, applicant):
    call = make.call(state="closed")
    response = web.post("/institution/new", data={"call": call.code})
    assert response.status_code == 200
    assert response.mimetype == "text/html"


def test_english_via_the_language_switch(web, make, applicant):
    web.post("/auth/language/en", data={"next": "/institution/"})
    # The `app` fixture keeps one app context across requests, so `g` (where Flask-Babel
    # caches the request's locale) outlives a request here; a real request starts afresh.
    g.pop("_flask_babel", None)
    html = _html(web.get("/institution/"))
    assert '<html lang="en">' in html and "Open calls" in html


def test_a_post_without_csrf_token_is_refused(database_url, tmp_path, make, applicant):
    _in_english(applicant)
    proposal = make.proposal(applicant=applicant, state="submitted")
    config = TestingConfig(tmp_path, database_url)
    config.WTF_CSRF_ENABLED = True
    # Requests to another app get their own app context each, as in production.
    client = create_app(config).test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      _html(client.get("/auth/login"))).group(1)
    signed_in = client.post("/auth/login", data={
        "email": applicant.email, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    # Signing in starts a fresh session, so the page's token is read again.
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      _html(client.get(f"/institution/proposals/{proposal.id}"))).group(1)
    url = f"/institution/proposals/{proposal.id}/withdraw"
    refused = client.post(url)
    assert refused.status_code == 400 and "Nothing was changed" in _html(refused)
    assert db.session.get(Proposal, proposal.id).state == ProposalState.SUBMITTED
    assert client.post(url, data={"csrf_token": token}).status_code == 302


def test_a_save_with_an_expired_token_keeps_what_was_typed(database_url, tmp_path, make,
                                                           applicant):
    _in_english(applicant)
    proposal = make.proposal(applicant=applicant)
    config = TestingConfig(tmp_path, database_url)
    config.WTF_CSRF_ENABLED = True
    client = create_app(config).test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      _html(client.get("/auth/login"))).group(1)
    client.post("/auth/login", data={"email": applicant.email, "password": PASSWORD,
                                     "csrf_token": token})
    response = client.post(f"/institution/proposals/{proposal.id}/edit",
                           data=_fields(proposal, title="Escrito a tiempo",
                                        csrf_token="expired"))
    html = _html(response)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert 'value="Escrito a tiempo"' in html and "press Save again" in html
    assert db.session.get(Proposal, proposal.id).title != "Escrito a tiempo"
