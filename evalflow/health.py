"""`GET /health` for load balancers: can this process reach the database and Redis?

200 `{"status": "ok", "database": "ok", "redis": "ok" | "not configured"}` when it can;
503 with `"status": "error"`, the failing part set to `"error"` and a short reason under
`"reasons"` when it cannot. No authentication, no cookie, never cached. The reasons are
deliberately vague (anyone may call this); the full error goes to the log.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from evalflow.extensions import db

health = Blueprint("health", __name__)

log = logging.getLogger("evalflow.health")

# A load balancer checks every few seconds and gives up after a few more: answer within that.
REDIS_TIMEOUT_SECONDS = 1.0
DATABASE_STATEMENT_TIMEOUT_MS = 2000


@health.get("/health")
def check():
    """Ping the database (SELECT 1) and, when configured, Redis (PING)."""
    body: dict[str, object] = {"status": "ok", "database": "ok", "redis": "not configured"}
    reasons: dict[str, str] = {}
    try:
        _ping_database()
    except Exception as error:  # any failure means "do not send traffic here"
        log.warning("health check: the database did not answer: %s: %s",
                    type(error).__name__, error)
        body["database"] = "error"
        reasons["database"] = _reason(error)
    redis_url = current_app.config.get("REDIS_URL") or ""
    if redis_url:
        try:
            _ping_redis(redis_url)
            body["redis"] = "ok"
        except Exception as error:
            log.warning("health check: Redis did not answer: %s: %s",
                        type(error).__name__, error)
            body["redis"] = "error"
            reasons["redis"] = _reason(error)
    if reasons:
        body["status"] = "error"
        body["reasons"] = reasons
    response = jsonify(body)
    response.status_code = 503 if reasons else 200
    response.headers["Cache-Control"] = "no-store"
    return response


def _ping_database() -> None:
    # Its own connection, outside the request's session: nothing to roll back afterwards.
    with db.engine.connect() as connection:
        if connection.dialect.name == "postgresql":  # for this transaction only
            connection.exec_driver_sql(
                f"SET LOCAL statement_timeout = {DATABASE_STATEMENT_TIMEOUT_MS}"
            )
        connection.execute(sa.text("SELECT 1")).scalar_one()
        connection.rollback()


def _ping_redis(url: str) -> None:
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # No retries: redis-py would otherwise try again ten times, waiting for each.
    client = Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        if not client.ping():
            raise RuntimeError("PING was not answered with PONG")
    finally:
        client.close()


def _reason(error: Exception) -> str:
    """A short, public description: what kind of failure, never hosts or credentials."""
    name = type(error).__name__
    text = str(error).lower()
    if "timeout" in name.lower() or "timed out" in text:
        return f"timed out ({name})"
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError | ConnectionError) or (
        "connect" in name.lower() or "connect" in text or "refused" in text
    ):
        return f"cannot connect ({name})"
    return f"failed ({name})"
