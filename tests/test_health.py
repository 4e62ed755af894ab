"""GET /health: what a load balancer asks every machine before sending it traffic."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from config import TestingConfig
from evalflow import create_app
from evalflow.extensions import db
from tests.live_server import free_port

REDIS_URL = "redis://127.0.0.1:6379/0"


def _health_of(config: TestingConfig):
    """GET /health on an app of its own (its database may not exist)."""
    app = create_app(config)
    try:
        return app.test_client().get("/health")
    finally:
        with app.app_context():
            db.engine.dispose()


def test_healthy_without_redis_says_so(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_is_public_sets_no_cookie_and_is_never_cached(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    assert response.mimetype == "application/json"


@pytest.mark.redis
def test_pings_redis_when_it_is_configured(app, client):
    app.config["REDIS_URL"] = REDIS_URL
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": "ok"}


def test_redis_on_a_closed_port_makes_it_unavailable(app, client):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/health")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["database"] == "ok"
    assert body["redis"] == "error"
    assert body["reasons"] == {"redis": "cannot connect (ConnectionError)"}
    assert response.headers["Cache-Control"] == "no-store"


def test_a_redis_that_never_answers_fails_within_about_a_second(app, client):
    # A listening socket nobody reads: the connection opens, PING is never answered.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        app.config["REDIS_URL"] = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        started = time.monotonic()
        response = client.get("/health")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.get_json()["reasons"]["redis"].startswith("timed out")
    assert elapsed < 3, f"the check took {elapsed:.1f} s"


def test_a_sqlite_file_that_cannot_be_opened_makes_it_unavailable(tmp_path: Path):
    missing = tmp_path / "no" / "such" / "folder" / "evalflow.sqlite3"
    response = _health_of(TestingConfig(tmp_path, f"sqlite:///{missing}"))
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "error"
    assert body["redis"] == "not configured"
    assert body["reasons"]["database"] == "cannot connect (OperationalError)"


def test_a_database_server_that_refuses_connections_makes_it_unavailable(tmp_path: Path):
    port = free_port()
    url = f"postgresql+psycopg://postgres:hunter2@127.0.0.1:{port}/evalflow"
    started = time.monotonic()
    response = _health_of(TestingConfig(tmp_path, url))
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["database"] == "error"
    assert body["reasons"]["database"] == "cannot connect (OperationalError)"
    # Anyone may call it: the answer names no host, port or password.
    text = response.get_data(as_text=True)
    assert str(port) not in text
    assert "hunter2" not in text
