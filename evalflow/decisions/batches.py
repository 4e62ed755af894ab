"""Letter batches: every letter a decided call owes, issued in the background with progress.

An officer (or `flask letters issue`) starts a batch; `jobs.later` hands its id to a worker
once the batch row is committed (or runs it right after the commit when there is no Redis).
The worker moves the batch to running and calls `issue_call_letters`, which writes the
batch's counts and heartbeat in the same transaction as each chunk of letters.

A worker can die part-way (killed, out of memory, a machine lost). Its batch then stays
"running" with a heartbeat that stops moving; once it is older than
`LETTER_BATCH_STALE_SECONDS` a new batch may start. Starting one gives the old batch up as
failed, so if its worker was only slow it notices at its next chunk and stops. The new run
finds the old one's reserved letters still pending and issues them with their folios;
storing a letter is idempotent, so even two runs at once issue nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from evalflow import audit, jobs
from evalflow.auth.models import User
from evalflow.calls.models import Call, CallState
from evalflow.database import utcnow
from evalflow.decisions.issuing import BatchSummary, issue_call_letters
from evalflow.decisions.models import (
    LIVE_BATCH_STATES,
    BatchState,
    Letter,
    LetterBatch,
    LetterState,
)
from evalflow.decisions.services import DECIDED
from evalflow.decisions.workflow import batch_workflow
from evalflow.errors import InvalidTransition, Refused
from evalflow.extensions import db
from evalflow.proposals.models import Proposal

log = logging.getLogger("evalflow.letters")

# Letters rendered between two commits (and two heartbeats) of a batch.
CHUNK_SIZE = 40


class BatchRunning(Refused):
    code = "batch_running"


class NothingOwed(Refused):
    code = "nothing_owed"


class BatchSuperseded(Exception):
    """The batch is no longer running: a newer batch gave it up as stale."""


@dataclass(frozen=True)
class BatchProgress:
    """A batch as the letters page and the command line show it."""

    id: int
    state: str
    owed: int
    issued: int
    failed: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime
    last_error: str | None
    stale: bool

    @property
    def live(self) -> bool:
        """Queued or running, with a worker showing signs of life."""
        return self.state in LIVE_BATCH_STATES and not self.stale

    @property
    def done(self) -> int:
        return self.issued + self.failed

    def as_json(self) -> dict[str, Any]:
        def when(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id, "state": self.state, "live": self.live, "stale": self.stale,
            "owed": self.owed, "issued": self.issued, "failed": self.failed,
            "created_at": when(self.created_at), "started_at": when(self.started_at),
            "finished_at": when(self.finished_at), "heartbeat_at": when(self.heartbeat_at),
            "last_error": self.last_error,
        }


def stale_after() -> timedelta:
    """How long a live batch may go without a heartbeat before it counts as abandoned."""
    return timedelta(seconds=current_app.config["LETTER_BATCH_STALE_SECONDS"])


def is_stale(batch: LetterBatch, now: datetime | None = None) -> bool:
    """Whether a queued or running batch has shown no sign of life for too long."""
    return (batch.state in LIVE_BATCH_STATES
            and batch.heartbeat_at < (now or utcnow()) - stale_after())


def count_owed_letters(session: Session, call: Call) -> int:
    """How many decided proposals of the call have no issued letter yet."""
    return session.scalar(
        sa.select(sa.func.count(Proposal.id))
        .outerjoin(Letter, Letter.proposal_id == Proposal.id)
        .where(Proposal.call_id == call.id, Proposal.state.in_(DECIDED),
               sa.or_(Letter.id.is_(None), Letter.state != LetterState.ISSUED))
    ) or 0


def latest_batch(session: Session, call: Call) -> LetterBatch | None:
    """The call's most recent batch, if any."""
    return session.scalars(
        sa.select(LetterBatch).where(LetterBatch.call_id == call.id)
        .order_by(LetterBatch.id.desc()).limit(1)
    ).first()


def batch_progress(batch: LetterBatch, now: datetime | None = None) -> BatchProgress:
    """A snapshot of the batch's progress."""
    return BatchProgress(
        id=batch.id, state=batch.state.value, owed=batch.owed, issued=batch.issued,
        failed=batch.failed, created_at=batch.created_at, started_at=batch.started_at,
        finished_at=batch.finished_at, heartbeat_at=batch.heartbeat_at,
        last_error=batch.last_error, stale=is_stale(batch, now),
    )


def request_letter_batch(session: Session, call: Call, actor: User | None) -> LetterBatch:
    """Create a queued batch for the call's owed letters, or refuse and change nothing.

    Refused when the call is not decided, when nothing is owed, or while another batch of
    the call is live. A live batch without a heartbeat for `LETTER_BATCH_STALE_SECONDS` is
    given up as failed and replaced. The call's row lock (and, on SQLite, the write lock)
    makes two officers starting at once take turns; the unique index on live batches backs
    it in the database.
    """
    if call.state != CallState.DECIDED:
        raise InvalidTransition(f"Letters are issued once the call is decided; {call.code} is "
                                f"{call.state.value}.")
    session.execute(sa.select(Call.id).where(Call.id == call.id).with_for_update())
    now = utcnow()
    live = session.scalars(
        sa.select(LetterBatch)
        .where(LetterBatch.call_id == call.id, LetterBatch.state.in_(LIVE_BATCH_STATES))
    ).first()
    if live is not None and not is_stale(live, now):
        raise BatchRunning(f"A batch is already issuing the letters of {call.code} "
                           f"({live.issued + live.failed} of {live.owed} done); let it finish.")
    owed = count_owed_letters(session, call)
    if owed == 0:
        raise NothingOwed(f"Every letter of {call.code} is issued already.")
    if live is not None:
        give_up(session, live, actor, now,
                f"No sign of life since {live.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC; "
                f"a new batch resumes the letters.")
    batch = LetterBatch(call_id=call.id, requested_by_id=actor.id if actor else None,
                        owed=owed, created_at=now, heartbeat_at=now)
    try:
        with session.begin_nested():
            session.add(batch)
    except IntegrityError as error:
        raise BatchRunning(f"A batch is already issuing the letters of {call.code}; "
                           f"let it finish.") from error
    audit.record(session, actor=actor, action="letter_batch.request",
                 entity_type="letter_batch", entity_id=batch.id, call_id=call.id,
                 to_state=BatchState.QUEUED.value, data={"owed": owed}, at=now)
    return batch


def start_letter_batch(session: Session, call: Call, actor: User | None) -> LetterBatch:
    """Request a batch and run it in the background once the caller commits."""
    batch = request_letter_batch(session, call, actor)
    jobs.later(run_letter_batch, batch.id, queue="letters")
    return batch


def give_up(session: Session, batch: LetterBatch, actor: User | None, now: datetime,
            error: str) -> None:
    """Mark a live batch failed, keeping why."""
    batch_workflow.fire(session, batch, "fail", actor, reason=error[:2000], at=now,
                        values={"finished_at": now, "last_error": error[:2000]})


def run_letter_batch(batch_id: int,
                     progress: Callable[[int], None] | None = None) -> BatchSummary | None:
    """The background task: issue the batch's letters, keeping its counts as it goes.

    Returns None when the batch is not this run's to do (gone, already started elsewhere,
    given up). An error stops the batch as failed with the error kept, and is raised again
    for the worker to record.
    """
    session = db.session
    config = current_app.config
    batch = session.get(LetterBatch, batch_id)
    if batch is None:
        log.warning("letter batch %s no longer exists", batch_id)
        return None
    now = utcnow()
    try:
        batch_workflow.fire(session, batch, "start", None, at=now,
                            values={"started_at": now, "heartbeat_at": now})
    except InvalidTransition:
        session.rollback()
        log.info("letter batch %s is %s; nothing to run", batch_id, batch.state.value)
        return None
    session.commit()
    call = session.get(Call, batch.call_id)
    actor = batch.requested_by
    try:
        summary = issue_call_letters(
            session, call, actor, config, processes=config["LETTER_PROCESSES"],
            chunk_size=CHUNK_SIZE, progress=progress, checkpoint=_checkpoint(session, batch_id),
        )
        now = utcnow()
        batch_workflow.fire(
            session, batch, "finish", None, at=now,
            data={"owed": summary.owed, "issued": summary.issued, "failed": summary.failed},
            values={"finished_at": now, "heartbeat_at": now, "owed": summary.owed,
                    "issued": summary.issued, "failed": summary.failed},
        )
        session.commit()
    except (BatchSuperseded, InvalidTransition) as error:
        session.rollback()
        log.warning("letter batch %s stopped: %s", batch_id, error)
        return None
    except Exception as error:
        session.rollback()
        _fail(session, batch_id, f"{type(error).__name__}: {error}")
        raise
    return summary


def _checkpoint(session: Session, batch_id: int) -> Callable[[BatchSummary], None]:
    def checkpoint(summary: BatchSummary) -> None:
        moved = session.execute(
            sa.update(LetterBatch)
            .where(LetterBatch.id == batch_id, LetterBatch.state == BatchState.RUNNING)
            .values(owed=summary.owed, issued=summary.issued, failed=summary.failed,
                    heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            raise BatchSuperseded(f"letter batch {batch_id} is no longer running")

    return checkpoint


def _fail(session: Session, batch_id: int, error: str) -> None:
    batch = session.get(LetterBatch, batch_id)
    if batch is None or batch.state not in LIVE_BATCH_STATES:
        return
    try:
        give_up(session, batch, None, utcnow(), error)
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not record the failure of letter batch %s", batch_id)
