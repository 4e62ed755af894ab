"""One log line per request, the request id, the proxy's headers, and where logs go.

Every request gets an id: the proxy's `X-Request-ID` when it looks like one, a new one
otherwise. It comes back in the response's `X-Request-ID` header and is on every log line
written while the request runs. When the request ends, the `evalflow.request` logger writes
its method, path, status, duration, response size, client address and signed-in user.

The path is logged without its query string (only the names of its parameters), and a
password-reset token in the path is replaced by `<token>`: logs must not hold secrets.

Logs go to standard error: JSON lines in production (`EVALFLOW_ENV=production`) or with
`EVALFLOW_LOG_FORMAT=json`, a readable line otherwise.

Behind reverse proxies, `EVALFLOW_PROXIES=N` trusts the X-Forwarded-For, -Proto, -Host and
-Port headers set by the last N of them (werkzeug's ProxyFix), so the logged address is the
client's and the session cookie is marked Secure behind HTTPS. Leave it at 0 when clients
can reach the app directly: they could then claim any address.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler
from werkzeug.middleware.proxy_fix import ProxyFix

log = logging.getLogger("evalflow.request")

HEADER = "X-Request-ID"
# nginx's $request_id (32 hex digits), UUIDs, and other proxies' ids; nothing that could
# break a log line or a header.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+=/-]{0,199}")
# Path parts that are secrets (the password-reset link's token).
SECRET_VIEW_ARGS = frozenset({"token"})
HANDLER_NAME = "evalflow.stderr"
# Attributes every LogRecord has; anything else was passed with `extra=` and is logged.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def register(app: Flask) -> None:
    """Configure logging, trust the configured proxies, and log every request."""
    configure_logging(app)
    proxies = int(app.config.get("PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    # First before and last after every other hook, so the duration covers them all.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


def _start() -> None:
    g.request_started = time.perf_counter()
    offered = request.headers.get(HEADER, "")
    g.request_id = offered if VALID_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def _finish(response: Response) -> Response:
    rid = request_id() or uuid.uuid4().hex
    response.headers[HEADER] = rid
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 2) if started else None
    path = loggable_path()
    fields: dict[str, Any] = {
        "method": request.method,
        "path": path,
        "query": sorted(set(request.args.keys())) or None,
        "status": response.status_code,
        "duration_ms": duration,
        "bytes": response.content_length,
        "remote_addr": request.remote_addr,
        "user_id": _user_id(),
        "request_id": rid,
    }
    level = logging.ERROR if response.status_code >= 500 else logging.INFO
    log.log(level, "%s %s %s %s ms", request.method, path, response.status_code, duration,
            extra={"fields": fields})
    return response


def loggable_path() -> str:
    """The request's path with its secret parts (a reset token) replaced by their names."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if name in SECRET_VIEW_ARGS and isinstance(value, str) and value:
            path = path.replace(value, f"<{name}>")
    return path


def _user_id() -> int | None:
    """The signed-in user of the page or the API token, if the request already loaded one."""
    user = request.environ.get("evalflow.user") or g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "id", None)


# --- Where logs go -----------------------------------------------------------------------


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC), level, logger, message, then the record's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and key != "fields" and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """A readable line for development: local time, level, logger, message, request id."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict) and record.name == log.name:
            extra = [f"{fields['bytes']} B" if fields.get("bytes") is not None else None,
                     f"user {fields['user_id']}" if fields.get("user_id") else None,
                     f"[{fields['request_id']}]"]
            line = " ".join([line, *(part for part in extra if part)])
        elif getattr(record, "request_id", None):
            line = f"{line} [{record.request_id}]"
        return line


class _RequestIdFilter(logging.Filter):
    """Put the current request's id on every record written during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id()
        return True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time (the test runner may swap it)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self):  # type: ignore[no-untyped-def,override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # type: ignore[no-untyped-def]
        pass


def configure_logging(app: Flask) -> None:
    """Send the `evalflow` loggers to standard error, as JSON lines or readable text.

    Idempotent: building the app again replaces the handler instead of adding another.
    """
    logger = logging.getLogger("evalflow")  # the app's own logger (app.logger) included
    for handler in list(logger.handlers):
        if handler is default_handler or handler.get_name() == HANDLER_NAME:
            logger.removeHandler(handler)
    handler = _StderrHandler()
    handler.set_name(HANDLER_NAME)
    fmt = str(app.config.get("LOG_FORMAT") or "text").lower()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(_RequestIdFilter())
    logger.addHandler(handler)
    logger.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
