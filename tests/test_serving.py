"""Serving with gunicorn.conf.py as in production: refusing to start without a secret, the
health check, the request log as JSON lines, the proxy's headers and the request id."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests

from tests.live_server import BIN_DIR, GUNICORN_CONF, HOST, REPO_ROOT, LiveServer, free_port

pytestmark = [pytest.mark.server]


@pytest.mark.parametrize("preload", ["1", "0"], ids=["preloaded", "per-worker"])
def test_gunicorn_refuses_to_start_in_production_without_a_secret(tmp_path: Path, preload):
    env = LiveServer(tmp_path).env
    env.pop("SECRET_KEY")
    env.update({"EVALFLOW_ENV": "production", "EVALFLOW_PRELOAD": preload,
                "EVALFLOW_BIND": f"{HOST}:{free_port()}", "WEB_CONCURRENCY": "1"})
    result = subprocess.run(
        [str(BIN_DIR / "gunicorn"), "-c", str(GUNICORN_CONF), "evalflow:create_app()"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL, check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "SECRET_KEY must be set in the environment in production" in output


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory):
    instance = tmp_path_factory.mktemp("serving")
    server = LiveServer(instance, workers=2, extra_env={
        "EVALFLOW_ENV": "production", "EVALFLOW_PROXIES": "1",
    })
    server.cli("db", "upgrade")
    server.start()
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


def _get(server: LiveServer, path: str, **headers: str) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.get(f"{server.origin}{path}", headers=headers, timeout=10)


def _log_lines(server: LiveServer) -> list[str]:
    return [line for line in server.log_path.read_text().splitlines() if line.strip()]


def test_the_health_check_answers_through_gunicorn(production_server):
    response = _get(production_server, "/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_in_production_every_line_on_stderr_is_json(production_server):
    rid = "c0ffee00c0ffee00c0ffee00c0ffee00"
    response = _get(production_server, "/verify?code=SECRET-ISH", **{
        "X-Request-ID": rid, "X-Forwarded-For": "203.0.113.77",
    })
    assert response.headers["X-Request-ID"] == rid
    production_server.stop()  # flushes the log; the module's last test
    lines = [json.loads(line) for line in _log_lines(production_server)]
    # gunicorn's own messages too, and no access log line besides the app's.
    assert any(line["logger"] == "gunicorn.error" for line in lines)
    ours = [line for line in lines
            if line["logger"] == "evalflow.request" and line["request_id"] == rid]
    assert len(ours) == 1, ours
    (line,) = ours
    assert line["logger"] == "evalflow.request"
    assert line["path"] == "/verify" and line["query"] == ["code"]
    assert line["status"] == 404
    assert line["remote_addr"] == "203.0.113.77"  # through the trusted proxy's header
    assert line["duration_ms"] > 0
    assert line["bytes"] == len(response.content)
    assert "SECRET-ISH" not in production_server.log_path.read_text()
