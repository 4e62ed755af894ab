"""Command line: flask --app evalflow users|demo|letters|audit|backup …"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from evalflow.database import write_intent
from evalflow.errors import DomainError
from evalflow.extensions import db

if TYPE_CHECKING:
    from evalflow.decisions.models import LetterBatch

users = AppGroup("users", help="Create users and API tokens.")
demo = AppGroup("demo", help="Demo data: the 2008 National Contact Points call.")
letters = AppGroup("letters", help="Award and decline letters.")
audit_cli = AppGroup("audit", help="The audit trail.")
backup_cli = AppGroup("backup", help="Back up and restore the database and the files.")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@users.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--role", required=True, help="applicant, reviewer, officer or admin")
@click.option("--institution", default=None, help="Required for an applicant (created if new).")
@click.option("--password", default=None)
def create_user_command(email: str, name: str, role: str, institution: str | None,
                        password: str | None) -> None:
    """Create a user."""
    from evalflow.auth.services import create_user

    with write_intent():
        try:
            user = create_user(db.session, email=email, name=name, role=role,
                               institution=institution, password=password)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            details = "; ".join(f"{k}: {v}" for k, v in (error.fields or {}).items())
            _fail(f"{error.message} {details}".strip())
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@users.command("token")
@click.argument("email")
def token_command(email: str) -> None:
    """Create an API token for EMAIL and print it on the last line."""
    from evalflow.auth.services import create_token, user_by_email

    with write_intent():
        try:
            user = user_by_email(db.session, email)
        except DomainError:
            _fail(f"No user has the email {email}.")
        token = create_token(db.session, user)
        db.session.commit()
    click.echo(f"API token for {user.email} ({user.role.value}); it is shown only once:")
    click.echo(token)


@demo.command("load")
def demo_load_command() -> None:
    """Load the 2008 call with its figures, reviews, decisions and letters (idempotent)."""
    from evalflow.demo import load_demo

    with write_intent():
        load_demo(db.session, current_app.config, echo=click.echo)


@letters.command("issue")
@click.argument("call_code")
@click.option("--no-wait", is_flag=True,
              help="With REDIS_URL: only queue the batch for a worker, do not follow it.")
def issue_letters_command(call_code: str, no_wait: bool) -> None:
    """Issue every letter still owed for a decided call.

    Without REDIS_URL the letters are issued here, with a progress bar. With it a worker
    issues them and the command follows the batch until it ends. Exits with 0 when every
    letter is issued, 2 when some failed, 1 when refused or when the batch stopped.
    """
    from evalflow.calls.services import get_call
    from evalflow.decisions.batches import (
        NothingOwed,
        request_letter_batch,
        run_letter_batch,
        start_letter_batch,
    )
    from evalflow.jobs import redis_url

    background = bool(redis_url())
    with write_intent():
        try:
            call = get_call(db.session, call_code)
            batch = (start_letter_batch if background else request_letter_batch)(
                db.session, call, None)
            code, batch_id, owed = call.code, batch.id, batch.owed
            db.session.commit()
        except NothingOwed:
            db.session.rollback()
            click.echo(f"{call.code}: 0 issued, 0 failed, of 0 owed.")
            return
        except DomainError as error:
            db.session.rollback()
            _fail(error.message)
        if not background:
            with click.progressbar(length=owed, label="Issuing letters",
                                   show_pos=True, file=sys.stdout) as bar:
                try:
                    run_letter_batch(batch_id, progress=bar.update)
                except Exception:
                    # Kept on the batch as its last error, unless even that failed.
                    if _current_batch(batch_id).state.value != "failed":
                        raise
    if background and no_wait:
        click.echo(f"{code}: batch {batch_id} queued for a worker, {owed} letters owed.")
        return
    if background:
        _follow_batch(batch_id, owed)
    _finish_batch(code, batch_id)


def _current_batch(batch_id: int) -> LetterBatch:
    """The batch as last committed (each read in a short transaction of its own)."""
    import sqlalchemy as sa

    from evalflow.decisions.models import LetterBatch

    db.session.rollback()
    return db.session.scalars(
        sa.select(LetterBatch).where(LetterBatch.id == batch_id)
        .execution_options(populate_existing=True)
    ).one()


def _follow_batch(batch_id: int, owed: int, every: float = 0.5) -> None:
    """Draw the progress of a batch a worker runs, until it ends or its worker is gone."""
    import time

    from evalflow.decisions.batches import is_stale

    shown = 0
    try:
        with click.progressbar(length=owed, label="Issuing letters", show_pos=True,
                               file=sys.stdout) as bar:
            while True:
                batch = _current_batch(batch_id)
                bar.length = batch.owed or bar.length
                done = batch.issued + batch.failed
                bar.update(done - shown)
                shown = done
                if batch.state.value not in ("queued", "running") or is_stale(batch):
                    break
                db.session.rollback()
                time.sleep(every)
    except KeyboardInterrupt:
        click.echo(f"\nBatch {batch_id} goes on in the background.")
        sys.exit(130)


def _finish_batch(code: str, batch_id: int) -> None:
    """Print the batch's summary and exit with its outcome."""
    from evalflow.decisions.batches import is_stale

    batch = _current_batch(batch_id)
    click.echo(f"{code}: {batch.issued} issued, {batch.failed} failed, of {batch.owed} owed.")
    if batch.state.value == "failed":
        _fail(f"the batch stopped: {batch.last_error}")
    if is_stale(batch):
        waiting = "since it was queued" if batch.state.value == "queued" else "for a while"
        _fail(f"batch {batch_id} has shown no sign of life {waiting}; is a worker running? "
              f"(flask --app evalflow jobs worker)")
    db.session.rollback()
    if batch.failed:
        sys.exit(2)


@audit_cli.command("verify")
def audit_verify_command() -> None:
    """Check the audit trail end to end."""
    from evalflow.audit import verify_chain

    report = verify_chain(db.session)
    if not report.ok:
        _fail(f"audit trail broken at event {report.first_bad_seq}: {report.problem} "
              f"({report.events} events intact before it).")
    click.echo(f"Audit trail intact: {report.events} events, chain verified.")


@backup_cli.command("create")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def backup_create_command(path: Path | None) -> None:
    """Write one archive of the database and the files folder to PATH (a .tar.gz file, or a
    folder; default: the instance folder's backups/). Safe while the app runs."""
    from evalflow.backup import BackupError, create_backup, instance_of

    destination = path or Path(current_app.config["INSTANCE_DIR"]) / "backups"
    try:
        result = create_backup(instance_of(current_app), destination)
    except BackupError as error:
        _fail(str(error))
    for line in result.lines():
        click.echo(line)
    if result.missing_files:
        sys.exit(2)


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def backup_restore_command(path: Path) -> None:
    """Restore the archive at PATH into this instance, whose database must hold no data; then
    check the rows, the files and the audit trail."""
    from evalflow.backup import BackupError, instance_of, restore_backup

    db.session.remove()
    db.engine.dispose()  # the SQLite file is replaced: hold no connection to it
    try:
        report = restore_backup(instance_of(current_app), path)
    except BackupError as error:
        _fail(str(error))
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        _fail("the restored instance does not match the backup (see above).")


def register(app: Flask) -> None:
    """Add the command groups to `flask --app evalflow`."""
    from evalflow.jobs import jobs_cli

    for group in (users, demo, letters, audit_cli, jobs_cli, backup_cli):
        app.cli.add_command(group)
