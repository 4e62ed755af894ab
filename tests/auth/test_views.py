"""Signing in and out, password resets by mail, the language choice and the session cookie."""

from __future__ import annotations

import re
from email import message_from_bytes

import pytest
from flask_babel import refresh

from config import TestingConfig
from evalflow import create_app
from evalflow.auth.services import create_user
from evalflow.extensions import db

PASSWORD = "correct horse"


@pytest.fixture
def person(app):
    user = create_user(db.session, email="ana@agencia.mx", name="Ana", role="reviewer",
                       password=PASSWORD)
    db.session.commit()
    return user


def _login(client, email="ana@agencia.mx", password=PASSWORD, **kw):
    return client.post("/auth/login", data={"email": email, "password": password}, **kw)


def test_sign_in_and_out(client, person):
    assert client.get("/").headers["Location"].endswith("/auth/login")
    response = _login(client)
    assert response.status_code == 302
    assert client.get("/auth/account").status_code == 200
    assert "ana@agencia.mx" in client.get("/auth/account").get_data(as_text=True)
    client.post("/auth/logout")
    assert client.get("/auth/account").status_code == 302


def test_a_wrong_password_is_refused_and_the_email_kept(client, person):
    page = _login(client, password="nope nope")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="ana@agencia.mx"' in html
    assert "aria-invalid" in html
    assert client.get("/auth/account").status_code == 302


def test_the_session_cookie_is_httponly_and_lax(client, person):
    cookie = _login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_over_https(client, person):
    cookie = _login(client, base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in cookie


def test_next_never_leaves_the_site(client, person):
    assert _login(client, query_string={"next": "https://evil.example/"}).headers[
        "Location"] == "/"
    client.post("/auth/logout")
    assert _login(client, query_string={"next": "/auth/account"}).headers[
        "Location"] == "/auth/account"


def test_a_password_reset_by_emailed_link(client, person, app):
    page = client.post("/auth/forgot", data={"email": "ana@agencia.mx"})
    assert page.status_code == 302
    files = list(app.config["OUTBOX_DIR"].glob("*.eml"))
    assert len(files) == 1
    message = message_from_bytes(files[0].read_bytes())
    assert message["To"] == "ana@agencia.mx"
    link = re.search(r"http://localhost(/auth/reset/\S+)", message.get_payload(decode=True)
                     .decode()).group(1)
    assert client.post(link, data={"password": "new password 1",
                                   "confirm": "new password 1"}).status_code == 302
    assert _login(client, password="new password 1").status_code == 302
    client.post("/auth/logout")
    assert _login(client).status_code == 200  # the old password no longer works
    used = client.get(link)
    assert used.status_code == 302 and "/auth/forgot" in used.headers["Location"]


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, app):
    page = client.post("/auth/forgot", data={"email": "nadie@agencia.mx"})
    assert page.status_code == 302
    assert not list(app.config["OUTBOX_DIR"].glob("*.eml"))


def test_the_language_choice_is_remembered_on_the_account(client, person):
    _login(client)
    client.post("/auth/language/en", data={"next": "/auth/account"})
    assert db.session.get(type(person), person.id).locale == "en"
    refresh()  # the tests share one app context, where Flask-Babel keeps the locale
    html = client.get("/auth/account").get_data(as_text=True)
    assert 'lang="en"' in html and "My account" in html
    assert client.post("/auth/language/xx").status_code == 404


def test_forms_need_a_csrf_token(database_url, tmp_path, person):
    config = TestingConfig(tmp_path, database_url)
    config.WTF_CSRF_ENABLED = True
    client = create_app(config).test_client()
    response = _login(client)
    assert response.status_code == 400
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/auth/login", data={"email": "ana@agencia.mx", "password": PASSWORD,
                                            "csrf_token": token}).status_code == 302
