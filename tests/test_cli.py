"""The command line of API.md: users, tokens and their errors."""

from __future__ import annotations

import sqlalchemy as sa

from evalflow.auth.models import Institution, User
from evalflow.extensions import db


def test_users_create_and_token(runner, api):
    result = runner.invoke(args=["users", "create", "ana@agencia.mx", "--name", "Ana",
                                 "--role", "officer", "--password", "secreta-larga"])
    assert result.exit_code == 0, result.output
    token = runner.invoke(args=["users", "token", "ana@agencia.mx"])
    assert token.exit_code == 0
    value = token.output.strip().splitlines()[-1]
    response = api.get("/calls", value)
    assert response.status_code == 200 and response.json["items"] == []


def test_an_applicant_needs_an_institution_created_if_new(runner):
    missing = runner.invoke(args=["users", "create", "a@u.mx", "--name", "A", "--role",
                                  "applicant"])
    assert missing.exit_code != 0 and "institution" in missing.output
    for email in ("a@u.mx", "b@u.mx"):
        ok = runner.invoke(args=["users", "create", email, "--name", "A", "--role", "applicant",
                                 "--institution", "Universidad Ficticia"])
        assert ok.exit_code == 0, ok.output
    assert db.session.scalar(sa.select(sa.func.count(Institution.id))) == 1


def test_a_duplicate_email_or_bad_role_fails_clearly(runner):
    runner.invoke(args=["users", "create", "r@u.mx", "--name", "R", "--role", "reviewer"])
    dup = runner.invoke(args=["users", "create", "R@u.mx", "--name", "R", "--role", "reviewer"])
    assert dup.exit_code != 0 and "already exists" in dup.output
    bad = runner.invoke(args=["users", "create", "x@u.mx", "--name", "X", "--role", "boss"])
    assert bad.exit_code != 0 and "role" in bad.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_token_for_an_unknown_user_fails(runner):
    result = runner.invoke(args=["users", "token", "nobody@u.mx"])
    assert result.exit_code != 0 and "nobody@u.mx" in result.output


def test_a_reviewer_may_name_an_affiliation(runner):
    result = runner.invoke(args=["users", "create", "rev@u.mx", "--name", "Rev", "--role",
                                 "reviewer", "--institution", "Universidad Ficticia"])
    assert result.exit_code == 0, result.output
    user = db.session.scalars(sa.select(User).where(User.email == "rev@u.mx")).one()
    assert user.institution.name == "Universidad Ficticia"
