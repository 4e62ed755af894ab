"""A real gunicorn server of evalflow on a throwaway instance folder, for tests that need real
concurrency (several worker processes, real HTTP), plus the CLI run against the same database
and a small JSON API client with bounded timeouts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = Path(sys.executable).parent
GUNICORN_CONF = REPO_ROOT / "gunicorn.conf.py"
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def reset_postgres(url: str) -> None:
    """Drop and recreate the `public` schema of a shared PostgreSQL test database."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET lock_timeout = '20s'")
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    finally:
        engine.dispose()


class LiveServer:
    """`gunicorn -w N "evalflow:create_app()"` on a free local port, and `flask --app evalflow`
    commands with the same environment (instance folder, database, secret)."""

    def __init__(self, instance: Path, database_url: str | None = None, *, workers: int = 4,
                 app_spec: str = "evalflow:create_app()",
                 extra_env: dict[str, str] | None = None) -> None:
        self.instance = instance
        self.app_spec = app_spec
        self.database_url = database_url
        self.workers = workers
        self.extra_env = dict(extra_env or {})
        self.port = free_port()
        self.log_path = instance / "gunicorn.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.origin}/api/v1"

    @property
    def env(self) -> dict[str, str]:
        """The process environment for the server and the CLI."""
        env = dict(os.environ)
        for key in ("DATABASE_URL", "EVALFLOW_FILES", "EVALFLOW_OUTBOX", "FLASK_APP"):
            env.pop(key, None)
        env["EVALFLOW_INSTANCE"] = str(self.instance)
        env["SECRET_KEY"] = "live-server-test-secret"
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        env.update(self.extra_env)
        return env

    def cli(self, *args: str, timeout: float = 120, check: bool = True
            ) -> subprocess.CompletedProcess[str]:
        """Run `flask --app evalflow ARGS…`; with `check`, fail loudly on a non-zero exit."""
        result = subprocess.run(
            [str(BIN_DIR / "flask"), "--app", "evalflow", *args],
            cwd=REPO_ROOT, env=self.env, capture_output=True, text=True, timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"flask {' '.join(args)} exited {result.returncode}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    def start(self) -> None:
        """Start gunicorn in its own process group (returns at once; see `wait_until_ready`).

        With the production settings (gunicorn.conf.py), except for the port, the number of
        workers and timeouts suited to tests."""
        self._log_file = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(BIN_DIR / "gunicorn"), "-c", str(GUNICORN_CONF), "-w", str(self.workers),
             "-b", f"{HOST}:{self.port}", "--timeout", "120", "--graceful-timeout", "5",
             "--no-control-socket", self.app_spec],
            cwd=REPO_ROOT, env=self.env, stdout=self._log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )

    def wait_until_ready(self, timeout: float = 60) -> None:
        """Poll until the app answers HTTP (any status) or fail with the server's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited early:\n{self.log_tail()}")
            try:
                with requests.Session() as session:
                    session.trust_env = False
                    session.get(f"{self.api_url}/calls", timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer within {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 15) -> None:
        """Terminate the whole process group, then kill it if it lingers."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=timeout)
            except ProcessLookupError:
                pass
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_tail(self, chars: int = 6000) -> str:
        """The end of gunicorn's stdout and stderr."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return text[-chars:]


class Api:
    """JSON API calls with a bearer token, no proxies from the environment and bounded
    timeouts. Thread-safe: every request uses its own connection."""

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 90,
                 diagnostics: Callable[[], str] | None = None, name: str = "") -> None:
        self.base_url = base_url
        self.token = token
        self.timeout = timeout
        self.diagnostics = diagnostics
        self.name = name

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        with requests.Session() as session:
            session.trust_env = False
            return session.request(method, f"{self.base_url}{path}", headers=headers,
                                   timeout=(5, self.timeout), **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, json=json, **kwargs)

    def expect(self, status: int, method: str, path: str, **kwargs: Any) -> Any:
        """Make the request, insist on `status`, and return the JSON body."""
        response = self.request(method, path, **kwargs)
        if response.status_code != status:
            extra = f"\nserver log:\n{self.diagnostics()}" if self.diagnostics else ""
            raise AssertionError(
                f"{self.name} {method} {path}: expected {status}, got {response.status_code}: "
                f"{response.text[:2000]}{extra}"
            )
        return response.json()
