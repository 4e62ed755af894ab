"""Background work: on Redis with RQ when `REDIS_URL` is set, inline when it is not.

A job is queued with `later(task, *args)` while a transaction is open and leaves only once
that transaction commits: a worker never sees rows that were rolled back, never starts
before the rows it needs are visible, and a failed request sends no mail. Tasks are plain
module-level functions that take ids and other JSON-like values, open their own
transactions through `db.session` and commit them.

Without Redis the job runs in the same process right after the commit, in a fresh app
context (its own database session), and its failure is logged, never raised into the
request that queued it. With Redis it goes to one of `QUEUES` and an RQ worker runs it:

    rq worker --url "$REDIS_URL" evalflow-letters evalflow-mail
    flask --app evalflow jobs worker        # the same, with the app built once per worker
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import click
from flask import Flask, current_app, has_app_context
from flask.cli import AppGroup
from sqlalchemy import event
from sqlalchemy.orm import Session

from evalflow.database import write_intent
from evalflow.extensions import db

log = logging.getLogger("evalflow.jobs")

# Letters get their own queue so a long batch never delays a password reset; workers may
# serve both or be dedicated. RQ's queue names are "<RQ_QUEUE_PREFIX>-<queue>".
QUEUES = ("letters", "mail")
PENDING = "evalflow.jobs.pending"
# A batch of a few thousand letters renders in minutes; mail takes seconds.
TIMEOUTS = {"letters": 4 * 3600, "mail": 300}
RETRY_INTERVALS = {"letters": None, "mail": [30, 120, 600]}  # letters resume by re-running

@dataclass(frozen=True)
class Job:
    """One call of `task` (as "module:function") with its arguments, bound for a queue."""

    queue: str
    task: str
    args: tuple[Any, ...]

    def describe(self) -> str:
        """A short label for logs and the RQ dashboard."""
        return f"{self.task}{self.args!r}"


def task_path(task: Callable[..., Any]) -> str:
    """The importable name of a module-level function."""
    if "<" in task.__qualname__ or "." in task.__qualname__:
        raise ValueError(f"{task!r} is not a module-level function; workers cannot import it")
    return f"{task.__module__}:{task.__qualname__}"


def later(task: Callable[..., Any], *args: Any, queue: str = "mail") -> Job:
    """Run `task(*args)` in the background once the current transaction commits.

    The arguments travel through Redis: pass ids and plain values, never model objects.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; expected one of {QUEUES}")
    job = Job(queue, task_path(task), tuple(args))
    session: Session = db.session()
    session.info.setdefault(PENDING, []).append(job)
    return job


def redis_url(app: Flask | None = None) -> str:
    """The configured Redis URL, or "" when background work runs inline."""
    return str((app or current_app).config.get("REDIS_URL") or "")


def redis_connection(url: str) -> Any:
    """A Redis client that gives up quickly when the server is unreachable."""
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)


def queue_name(queue: str, app: Flask | None = None) -> str:
    """The RQ queue's name for one of `QUEUES` ("evalflow-mail" by default)."""
    return f"{(app or current_app).config['RQ_QUEUE_PREFIX']}-{queue}"


def queue_for(queue: str, connection: Any, app: Flask | None = None) -> Any:
    """The RQ queue behind one of `QUEUES`."""
    from rq import Queue

    return Queue(queue_name(queue, app), connection=connection)


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    jobs: list[Job] = session.info.pop(PENDING, [])
    if jobs and has_app_context():
        dispatch(jobs, current_app._get_current_object())  # type: ignore[attr-defined]


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


def dispatch(jobs: list[Job], app: Flask) -> None:
    """Send committed jobs to Redis, or run them here when there is none (or it is down)."""
    url = redis_url(app)
    remaining = list(jobs)
    if url:
        try:
            connection = redis_connection(url)
            while remaining:
                _enqueue(remaining[0], connection, app)
                remaining.pop(0)
        except Exception:
            # The data is committed; doing the work late is better than losing it.
            log.exception("Redis refused %d job(s); running them in this process instead",
                          len(remaining))
    for job in remaining:
        run_inline(job, app)


def _enqueue(job: Job, connection: Any, app: Flask) -> None:
    from rq import Retry

    intervals = RETRY_INTERVALS[job.queue]
    queue_for(job.queue, connection, app).enqueue(
        perform, job.task, list(job.args),
        job_timeout=TIMEOUTS[job.queue],
        retry=Retry(max=len(intervals), interval=intervals) if intervals else None,
        description=job.describe(),
        result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600,
    )


def run_inline(job: Job, app: Flask) -> None:
    """Run a job now in a fresh app context; log its failure instead of raising it."""
    try:
        with app.app_context(), write_intent():
            call(job.task, job.args)
    except Exception:
        log.exception("background job failed: %s", job.describe())


def call(task: str, args: tuple[Any, ...] | list[Any]) -> Any:
    """Import "module:function" and call it with the arguments."""
    module_name, _, name = task.partition(":")
    function = getattr(importlib.import_module(module_name), name)
    return function(*args)


_worker_app: Flask | None = None
_worker_pid: int | None = None


def perform(task: str, args: list[Any]) -> Any:
    """What RQ runs: the task inside the app, with a database session of its own.

    Under `flask jobs worker` the app already exists (the work horse inherits it from the
    worker); under plain `rq worker` it is built once per process from the environment.
    """
    with worker_app_context():
        try:
            return call(task, args)
        finally:
            db.session.remove()


@contextmanager
def worker_app_context() -> Iterator[Flask]:
    """An app context for a job, with database connections that belong to this process."""
    global _worker_app, _worker_pid
    if has_app_context():
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    else:
        if _worker_app is None:
            from evalflow import create_app

            _worker_app = create_app()
        app = _worker_app
    with app.app_context():
        if _worker_pid != os.getpid():
            # A forked work horse must not share the parent's pooled connections.
            db.engine.dispose(close=False)
            _worker_pid = os.getpid()
        with write_intent():
            yield app


jobs_cli = AppGroup("jobs", help="Background work on Redis (RQ).")


@jobs_cli.command("worker")
@click.option("--queue", "queues", multiple=True, type=click.Choice(QUEUES),
              help="Serve only these queues (default: all).")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker_command(queues: tuple[str, ...], burst: bool) -> None:
    """Run an RQ worker for the app's queues, with the app built once."""
    from rq import Worker

    url = redis_url()
    if not url:
        raise click.ClickException("REDIS_URL is not set: background work runs inline, "
                                   "no worker is needed.")
    connection = redis_connection(url)
    names = [queue_name(q) for q in (queues or QUEUES)]
    db.engine.dispose()  # no connection is opened before the work horses fork
    Worker(names, connection=connection).work(burst=burst, with_scheduler=not burst)
