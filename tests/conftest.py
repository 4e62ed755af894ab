"""Shared fixtures: a fresh database per test (SQLite by default, PostgreSQL when
EVALFLOW_TEST_DATABASE_URL names one), the app, a JSON API client and factories."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from config import TestingConfig
from evalflow import create_app
from evalflow.extensions import db
from tests.factories import ApiClient, Factory

PG_URL = os.environ.get("EVALFLOW_TEST_DATABASE_URL", "")


def _migrate(instance: Path, url: str) -> None:
    app = create_app(TestingConfig(instance, url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The schema built once by the migrations: a SQLite file to copy, or a PostgreSQL URL."""
    instance = tmp_path_factory.mktemp("template")
    if PG_URL:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        _migrate(instance, PG_URL)
        return PG_URL
    url = f"sqlite:///{instance / 'template.sqlite3'}"
    _migrate(instance, url)
    return str(instance / "template.sqlite3")


def _fresh_database(template: str, instance: Path) -> str:
    if PG_URL:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            # DELETE is much faster than TRUNCATE on the handful of rows a test leaves.
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        engine.dispose()
        return PG_URL
    target = instance / "test.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def database_url(template_database: str, tmp_path: Path) -> str:
    """A database with the full schema and no rows, for this test alone."""
    return _fresh_database(template_database, tmp_path)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(TestingConfig(tmp_path, database_url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def make(app: Flask) -> Factory:
    """Factories for users, calls and proposals in every state, through the services."""
    return Factory(app)


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client)


class QueryCounter:
    """Counts the SQL statements sent while active."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *args: object) -> None:
        self.count += 1


@pytest.fixture
def count_queries(app: Flask):
    """Use as `with count_queries() as counter: ...; counter.count`."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        sa.event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", counter)

    return counting


REDIS_URL = os.environ.get("EVALFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_queues(app: Flask) -> Iterator[str]:
    """Background work on the real Redis server, in queues of this test's own.

    Sets the app's REDIS_URL and a unique queue prefix (so parallel runs never share jobs),
    and deletes the test's RQ keys afterwards. Skips when no Redis server answers.
    """
    import uuid

    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except RedisDown:
        if os.environ.get("EVALFLOW_REQUIRE_REDIS") == "1":  # the Redis suite of CI
            pytest.fail(f"no Redis server at {REDIS_URL}")
        pytest.skip(f"no Redis server at {REDIS_URL}")
    prefix = f"evalflow-test-{uuid.uuid4().hex[:12]}"
    app.config.update(REDIS_URL=REDIS_URL, RQ_QUEUE_PREFIX=prefix)
    try:
        yield prefix
    finally:
        from rq import Queue

        for name in ("letters", "mail"):
            queue = Queue(f"{prefix}-{name}", connection=connection)
            for registry in (queue.failed_job_registry, queue.finished_job_registry):
                for job_id in registry.get_job_ids():
                    registry.remove(job_id, delete_job=True)
            queue.delete(delete_jobs=True)
        # What RQ keeps beside a queue (registries, worker records) is named after it too.
        for key in connection.scan_iter(match=f"*{prefix}*", count=1000):
            connection.delete(key)
        connection.close()
