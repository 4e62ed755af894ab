"""Issuing letters: one on demand, or every letter a decided call still owes, in batches.

A batch first reserves every folio and verification code and commits, then renders in
worker processes and commits each chunk as it is stored. If the run dies part-way, the next
run finds the reserved letters still pending and renders them with the same folio: nothing
is issued twice and nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from evalflow.auth.models import User
from evalflow.calls.models import Call, CallState
from evalflow.decisions import letters
from evalflow.decisions.models import Letter, LetterState
from evalflow.decisions.services import (
    letter_content,
    owed_letters,
    record_failure,
    reserve_letter,
    store_letter,
)
from evalflow.errors import InvalidTransition
from evalflow.proposals.models import Proposal


@dataclass
class BatchSummary:
    """What a batch run did."""

    owed: int = 0
    issued: int = 0
    failed: int = 0

    def line(self) -> str:
        return f"{self.issued} issued, {self.failed} failed, of {self.owed} owed"


def issue_letter_now(
    session: Session, proposal: Proposal, actor: User | None, config: dict[str, Any]
) -> Letter:
    """The proposal's issued letter, rendering it now if it was not issued yet.

    The folio is reserved and committed first, so no lock is held while the PDF renders.
    """
    letter = reserve_letter(session, proposal, actor)
    if letter.state != LetterState.ISSUED:
        session.commit()
        pdf = letters.render_letter_pdf(letter_content(letter, proposal, config))
        store_letter(session, letter, pdf, actor)
        session.commit()
    return letter


def _render_chunk(
    pool: letters.LetterPool, contents: list[letters.LetterContent]
) -> list[bytes | Exception]:
    try:
        return pool.render(contents)
    except Exception:
        # Find which letters fail, and why, one at a time.
        results: list[bytes | Exception] = []
        for content in contents:
            try:
                results.append(letters.render_letter_pdf(content))
            except Exception as error:
                results.append(error)
        return results


def issue_call_letters(
    session: Session,
    call: Call,
    actor: User | None,
    config: dict[str, Any],
    *,
    processes: int = 1,
    chunk_size: int = 40,
    progress: Callable[[int], None] | None = None,
    checkpoint: Callable[[BatchSummary], None] | None = None,
) -> BatchSummary:
    """Issue every letter the decided call still owes. Commits as it goes (a batch job).

    `checkpoint(summary)` runs in the transaction that commits the reservations and then each
    chunk, so whatever it writes (a batch's counts) is committed with exactly those letters.
    `progress(n)` is told after each commit how many more letters were dealt with.
    No transaction is open while a chunk renders. A letter issued meanwhile by another run
    is counted as issued and not rendered again.
    """
    if call.state != CallState.DECIDED:
        raise InvalidTransition(f"Letters are issued once the call is decided; {call.code} is "
                                f"{call.state.value}.")
    owed = owed_letters(session, call)
    summary = BatchSummary(owed=len(owed))
    pairs = [(proposal, letter or reserve_letter(session, proposal, actor))
             for proposal, letter in owed]
    # Taken now, while the rows are loaded: folio, code and date never change once reserved.
    contents = [letter_content(letter, proposal, config) for proposal, letter in pairs]
    ids = [letter.id for _proposal, letter in pairs]
    if checkpoint:
        checkpoint(summary)
    session.commit()
    with letters.LetterPool(max(1, min(processes, len(pairs)))) as pool:
        for start in range(0, len(pairs), chunk_size):
            chunk = range(start, min(start + chunk_size, len(pairs)))
            done = _issued(session, [ids[i] for i in chunk])
            session.commit()  # end the read: hold no lock while rendering
            todo = [i for i in chunk if ids[i] not in done]
            summary.issued += len(chunk) - len(todo)
            rendered = _render_chunk(pool, [contents[i] for i in todo])
            for i, result in zip(todo, rendered, strict=True):
                letter = pairs[i][1]
                if isinstance(result, Exception):
                    record_failure(session, letter, f"{type(result).__name__}: {result}", actor)
                    if letter.state == LetterState.ISSUED:  # by another run, meanwhile
                        summary.issued += 1
                    else:
                        summary.failed += 1
                else:
                    store_letter(session, letter, result, actor)
                    summary.issued += 1
            if checkpoint:
                checkpoint(summary)
            session.commit()
            if progress:
                progress(len(chunk))
    return summary


def _issued(session: Session, ids: list[int]) -> set[int]:
    """Which of these letters are issued now."""
    return set(session.scalars(
        sa.select(Letter.id).where(Letter.id.in_(ids), Letter.state == LetterState.ISSUED)
    ))
