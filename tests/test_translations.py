"""The Spanish catalog: complete, faithful to the placeholders, compiled, and used by default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from flask_babel import refresh

import evalflow
from evalflow.auth.services import create_user
from evalflow.extensions import db

TRANSLATIONS = Path(evalflow.__file__).parent / "translations"
SPANISH = TRANSLATIONS / "es" / "LC_MESSAGES"
PASSWORD = "correct horse"
# Python named placeholders, a literal percent sign, and str.format fields.
PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)[sdif]|%%|\{[^{}]*\}")


def _catalog() -> Catalog:
    with open(SPANISH / "messages.po", "rb") as f:
        return read_po(f, locale="es")


def _entries(catalog: Catalog) -> list:
    return [message for message in catalog if message.id]


def test_every_string_is_translated_and_none_is_fuzzy():
    catalog = _catalog()
    assert len(_entries(catalog)) > 200
    for message in _entries(catalog):
        assert not message.fuzzy, message.id
        forms = message.string if message.pluralizable else (message.string,)
        if message.pluralizable:
            assert len(forms) == catalog.num_plurals, message.id
        assert all(form and form.strip() for form in forms), message.id
    assert not catalog.obsolete


def test_the_catalog_holds_every_extracted_string():
    with open(TRANSLATIONS / "messages.pot", "rb") as f:
        template = read_po(f)
    extracted = {message.id for message in template if message.id}
    assert extracted == {message.id for message in _entries(_catalog())}


def test_placeholders_and_line_breaks_are_kept():
    for message in _entries(_catalog()):
        if message.pluralizable:
            pairs = [(message.id[1], form) for form in message.string]
        else:
            pairs = [(message.id, message.string)]
        for source, translation in pairs:
            expected = sorted(PLACEHOLDER.findall(source))
            assert expected == sorted(PLACEHOLDER.findall(translation)), (source, translation)
            assert source.startswith("\n") == translation.startswith("\n"), source
            assert source.endswith("\n") == translation.endswith("\n"), source
            assert source.count("\n") == translation.count("\n"), source


def test_the_compiled_catalog_matches_the_po_file():
    with open(SPANISH / "messages.mo", "rb") as f:
        compiled = read_mo(f)
    for message in _entries(_catalog()):
        assert compiled.get(message.id) is not None, message.id
        string = compiled[message.id].string
        assert (tuple(string) if message.pluralizable else string) == message.string, message.id


# The running app ---------------------------------------------------------------------------------

def _sign_in(client: FlaskClient, role: str, institution: str | None = None) -> None:
    email = f"{role}@conacyt.example.mx"
    create_user(db.session, email=email, name=f"Persona {role}", role=role,
                institution=institution, password=PASSWORD)
    db.session.commit()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302


def _to_english(client: FlaskClient, next_page: str) -> None:
    assert client.post("/auth/language/en", data={"next": next_page}).status_code == 302
    refresh()  # the tests share one app context, where Flask-Babel keeps the locale


def test_the_sign_in_page_is_in_spanish_by_default(client: FlaskClient):
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Iniciar sesión" in html and "Contraseña" in html
    assert "Sign in" not in html
    _to_english(client, "/auth/login")
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "Sign in" in html and "Iniciar sesión" not in html


def test_the_institutions_home_is_in_spanish_by_default(client: FlaskClient):
    _sign_in(client, "applicant", institution="Universidad Ficticia de Puebla")
    html = client.get("/institution/").get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Convocatorias abiertas" in html and "Propuestas de la institución" in html
    assert "Mis propuestas" in html and "Cerrar sesión" in html
    assert "Open calls" not in html
    _to_english(client, "/institution/")
    html = client.get("/institution/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Open calls" in html and "Our proposals" in html and "Sign out" in html


def test_the_reviewers_assignments_are_in_spanish_by_default(client: FlaskClient):
    _sign_in(client, "reviewer")
    html = client.get("/reviews/").get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Mis asignaciones" in html and "Todavía no tiene asignaciones" in html
    assert "My assignments" not in html
    _to_english(client, "/reviews/")
    html = client.get("/reviews/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "My assignments" in html and "You have no assignments yet" in html


@pytest.mark.parametrize(("header", "lang"), [("en-US,en;q=0.9", "en"), ("es-MX,es;q=0.9", "es"),
                                              ("fr-FR", "es")])
def test_a_visitors_browser_language_is_followed_and_spanish_is_the_fallback(
        client: FlaskClient, header: str, lang: str):
    html = client.get("/auth/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert ("Iniciar sesión" if lang == "es" else "Sign in") in html
