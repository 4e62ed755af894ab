"""One structured line per request: what it holds, what it must not, and the request id."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask

from config import TestingConfig
from evalflow import create_app, health
from evalflow.auth.services import create_token, create_user
from evalflow.extensions import db

PASSWORD = "una-clave-larga-de-prueba"


def _app(database_url: str, instance: Path, **settings: object) -> Iterator[Flask]:
    config = TestingConfig(instance, database_url)
    for key, value in settings.items():
        setattr(config, key, value)
    app = create_app(config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def json_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    yield from _app(database_url, tmp_path, LOG_FORMAT="json")


@pytest.fixture
def json_client(json_app: Flask):
    return json_app.test_client()


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    """The JSON log lines written to standard error since the last call."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()
            if line.startswith("{")]


def _request_line(capsys: pytest.CaptureFixture[str]) -> dict:
    lines = [line for line in _lines(capsys) if line["logger"] == "evalflow.request"]
    assert len(lines) == 1, lines
    return lines[0]


def test_a_request_writes_one_json_line_with_its_fields(json_client, capsys):
    capsys.readouterr()
    response = json_client.get("/health")
    line = _request_line(capsys)
    assert line["level"] == "info"
    assert line["method"] == "GET"
    assert line["path"] == "/health"
    assert line["query"] is None
    assert line["status"] == 200
    assert line["bytes"] == len(response.data)
    assert line["remote_addr"] == "127.0.0.1"
    assert line["user_id"] is None
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    stamp = datetime.fromisoformat(line["ts"])
    assert line["ts"].endswith("Z") and stamp.utcoffset().total_seconds() == 0


def test_the_duration_covers_the_view(json_client, capsys, monkeypatch):
    real_ping = health._ping_database

    def slow_ping() -> None:
        time.sleep(0.06)
        real_ping()

    monkeypatch.setattr(health, "_ping_database", slow_ping)
    capsys.readouterr()
    json_client.get("/health")
    assert _request_line(capsys)["duration_ms"] >= 60


def test_query_values_and_reset_tokens_are_never_logged(json_client, capsys):
    capsys.readouterr()
    json_client.get("/verify?code=K7QM-2XHD-9PTA-4RWN&lang=en&lang=es")
    line = _request_line(capsys)
    assert line["path"] == "/verify"
    assert line["query"] == ["code", "lang"]
    json_client.get("/auth/reset/IjEi.secret-reset-token.Zm9v")
    output = capsys.readouterr().err
    assert "secret-reset-token" not in output
    assert '"path": "/auth/reset/<token>"' in output


def test_an_unexpected_error_on_the_reset_page_logs_no_token(
        json_app, json_client, capsys, monkeypatch):
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("evalflow.auth.passwords.user_for_reset", broken)
    json_app.config["PROPAGATE_EXCEPTIONS"] = False
    capsys.readouterr()
    response = json_client.get("/auth/reset/IjEi.secret-reset-token.Zm9v")
    assert response.status_code == 500
    output = capsys.readouterr().err
    assert "unhandled error on GET /auth/reset/<token>" in output
    assert "the database went away" in output  # the traceback is kept
    assert "secret-reset-token" not in output


def test_the_proxys_request_id_is_kept_and_echoed(json_client, capsys):
    capsys.readouterr()
    nginx_id = "4f0c8e1ad5b34c6e9d2f7a1b3c5d7e9f"
    response = json_client.get("/health", headers={"X-Request-ID": nginx_id})
    assert response.headers["X-Request-ID"] == nginx_id
    assert _request_line(capsys)["request_id"] == nginx_id


@pytest.mark.parametrize("offered", ["", "not an id", "x" * 201, '{"forged": 1}'])
def test_a_malformed_request_id_is_replaced_by_a_new_one(json_client, capsys, offered):
    capsys.readouterr()
    response = json_client.get("/health", headers={"X-Request-ID": offered})
    rid = response.headers["X-Request-ID"]
    assert rid != offered and len(rid) == 32
    assert _request_line(capsys)["request_id"] == rid


def test_every_line_written_during_a_request_carries_its_id(json_app, json_client, capsys):
    json_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    capsys.readouterr()
    response = json_client.get("/health", headers={"X-Request-ID": "req-42"})
    lines = _lines(capsys)
    warning = next(line for line in lines if line["logger"] == "evalflow.health")
    assert warning["level"] == "warning"
    assert warning["request_id"] == "req-42"
    request_line = next(line for line in lines if line["logger"] == "evalflow.request")
    assert response.status_code == 503
    assert request_line["status"] == 503
    assert request_line["level"] == "error"


def test_the_api_callers_user_id_is_logged(json_client, capsys):
    officer = create_user(db.session, email="laura@agencia.mx", name="Laura", role="officer",
                          institution=None, password=None)
    token = create_token(db.session, officer)
    db.session.commit()
    capsys.readouterr()
    response = json_client.get("/api/v1/calls", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert _request_line(capsys)["user_id"] == officer.id


def test_the_signed_in_persons_user_id_is_logged(json_client, capsys):
    user = create_user(db.session, email="ana@agencia.mx", name="Ana", role="officer",
                       institution=None, password=PASSWORD)
    db.session.commit()
    sign_in = json_client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert sign_in.status_code == 302
    capsys.readouterr()
    json_client.get("/auth/account")
    line = _request_line(capsys)
    assert line["path"] == "/auth/account"
    assert line["user_id"] == user.id


def test_forwarded_addresses_are_ignored_unless_proxies_are_configured(json_client, capsys):
    capsys.readouterr()
    json_client.get("/health", headers={"X-Forwarded-For": "203.0.113.9"})
    assert _request_line(capsys)["remote_addr"] == "127.0.0.1"


def test_behind_a_configured_proxy_the_clients_address_is_logged(database_url, tmp_path,
                                                                   capsys):
    for app in _app(database_url, tmp_path, LOG_FORMAT="json", PROXIES=1):
        client = app.test_client()
        capsys.readouterr()
        response = client.get("/health", headers={
            "X-Forwarded-For": "198.51.100.1, 203.0.113.9", "X-Forwarded-Proto": "https",
        })
        assert response.status_code == 200
        # Only the last hop (our proxy) is trusted: it saw the request come from 203.0.113.9.
        assert _request_line(capsys)["remote_addr"] == "203.0.113.9"


def test_development_logs_stay_readable(client, capsys):
    capsys.readouterr()
    response = client.get("/health?token=abc")
    output = capsys.readouterr().err
    line = next(line for line in output.splitlines() if "evalflow.request" in line)
    assert not line.startswith("{")
    assert "GET /health 200" in line and " ms" in line
    assert response.headers["X-Request-ID"] in line
    assert "abc" not in line


def test_building_the_app_again_does_not_duplicate_lines(database_url, tmp_path, capsys):
    for _ in _app(database_url, tmp_path, LOG_FORMAT="json"):
        pass
    for app in _app(database_url, tmp_path, LOG_FORMAT="json"):
        capsys.readouterr()
        app.test_client().get("/health")
        _request_line(capsys)  # exactly one
