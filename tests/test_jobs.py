"""Background work: queued in a transaction, run once it commits; inline without Redis,
by RQ workers on the real Redis server with it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from rq import Queue, SimpleWorker

from evalflow import jobs
from evalflow.auth.services import create_user
from evalflow.extensions import db
from tests import job_tasks
from tests.conftest import REDIS_URL

ROOT = Path(__file__).resolve().parent.parent


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def _add_user(email: str = "ana@example.mx") -> None:
    create_user(db.session, email=email, name="Ana", role="officer", password="pw-123456789")


# Inline (no REDIS_URL) ------------------------------------------------------------------------

def test_a_job_runs_only_once_its_transaction_commits(app: Flask, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    _add_user()
    jobs.later(job_tasks.write_text, str(out), "sent")
    db.session.flush()
    assert _lines(out) == []
    db.session.commit()
    assert _lines(out) == ["sent"]
    db.session.commit()  # a later commit does not run it again
    assert _lines(out) == ["sent"]


def test_a_rolled_back_transaction_drops_its_jobs(app: Flask, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    _add_user()
    jobs.later(job_tasks.write_text, str(out), "never")
    db.session.rollback()
    db.session.commit()
    assert _lines(out) == []


def test_an_inline_job_sees_the_committed_rows_in_its_own_session(
        app: Flask, tmp_path: Path) -> None:
    out = tmp_path / "count.txt"
    _add_user()
    jobs.later(job_tasks.count_users, str(out))
    db.session.commit()
    assert _lines(out) == ["1"]


def test_an_inline_failure_is_logged_and_the_commit_stands(
        app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _add_user()
    jobs.later(job_tasks.fail, "smtp said no")
    with caplog.at_level(logging.ERROR, logger="evalflow.jobs"):
        db.session.commit()
    assert "background job failed: tests.job_tasks:fail('smtp said no',)" in caplog.text
    assert "smtp said no" in caplog.text
    db.session.rollback()
    assert db.session.scalar(db.text("SELECT count(*) FROM users")) == 1


def test_only_importable_functions_and_known_queues_are_accepted(app: Flask) -> None:
    with pytest.raises(ValueError, match="module-level"):
        jobs.later(lambda: None)
    with pytest.raises(ValueError, match="unknown queue"):
        jobs.later(job_tasks.write_text, "x", "y", queue="sms")
    assert db.session().info.get(jobs.PENDING) is None


# On Redis ------------------------------------------------------------------------------------

@pytest.mark.redis
def test_with_redis_the_job_waits_in_its_queue_for_a_worker(
        app: Flask, redis_queues: str, tmp_path: Path) -> None:
    out = tmp_path / "count.txt"
    _add_user()
    jobs.later(job_tasks.count_users, str(out))
    jobs.later(job_tasks.write_text, str(out), "letters done", queue="letters")
    db.session.commit()
    assert _lines(out) == []  # nothing ran in the web process
    connection = jobs.redis_connection(REDIS_URL)
    mail = Queue(f"{redis_queues}-mail", connection=connection)
    letters = Queue(f"{redis_queues}-letters", connection=connection)
    assert (mail.count, letters.count) == (1, 1)

    # A real RQ worker (in this process, so it shares the test's app) runs both.
    SimpleWorker([letters, mail], connection=connection).work(burst=True)
    assert _lines(out) == ["letters done", "1"]
    assert (mail.count, letters.count) == (0, 0)


@pytest.mark.redis
def test_a_failing_job_is_kept_with_its_reason_and_retried(
        app: Flask, redis_queues: str) -> None:
    _add_user()
    jobs.later(job_tasks.fail, "mail server down")
    db.session.commit()
    connection = jobs.redis_connection(REDIS_URL)
    mail = Queue(f"{redis_queues}-mail", connection=connection)
    job = mail.jobs[0]
    SimpleWorker([mail], connection=connection).work(burst=True)
    job.refresh()
    # Mail is retried later (three times, 30 s apart at first) rather than dropped.
    assert job.retries_left == len(jobs.RETRY_INTERVALS["mail"]) - 1
    assert job.get_status() == "scheduled"


@pytest.mark.redis
def test_an_unreachable_redis_falls_back_to_running_inline(
        app: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "out.txt"
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    _add_user()
    jobs.later(job_tasks.write_text, str(out), "sent anyway")
    with caplog.at_level(logging.ERROR, logger="evalflow.jobs"):
        db.session.commit()
    assert _lines(out) == ["sent anyway"]
    assert "Redis refused 1 job(s)" in caplog.text


def _worker_environment(app: Flask, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "EVALFLOW_INSTANCE": str(app.config["INSTANCE_DIR"]),
        "REDIS_URL": REDIS_URL,
        "EVALFLOW_QUEUE_PREFIX": prefix,
        "PYTHONPATH": str(ROOT),
    }


@pytest.mark.redis
@pytest.mark.parametrize("command", [
    ["-m", "rq.cli", "worker", "--burst", "--url", REDIS_URL, "{prefix}-letters",
     "{prefix}-mail"],
    ["-m", "flask", "--app", "evalflow", "jobs", "worker", "--burst"],
], ids=["rq worker", "flask jobs worker"])
def test_the_documented_worker_commands_run_the_jobs(
        app: Flask, redis_queues: str, tmp_path: Path, command: list[str]) -> None:
    out = tmp_path / "count.txt"
    _add_user()
    _add_user("bea@example.mx")
    jobs.later(job_tasks.count_users, str(out))
    db.session.commit()
    db.session.remove()
    argv = [sys.executable, *(part.format(prefix=redis_queues) for part in command)]
    result = subprocess.run(argv, cwd=ROOT, env=_worker_environment(app, redis_queues),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert _lines(out) == ["2"]  # the worker's own process read the committed rows


def test_the_worker_command_says_when_there_is_no_redis(app: Flask, runner) -> None:
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output
