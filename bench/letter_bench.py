"""Time award and decline letters: one letter, and a batch rendered three ways in one run."""

from __future__ import annotations

import gc
import resource
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from bench.measure import Timing, current_rss_mib, peak_rss_mib
from evalflow.calls.models import Call
from evalflow.decisions.letters import (
    LetterContent,
    render_letter_pdf,
    render_letter_pdf_naive,
    render_letters_pdf,
)
from evalflow.decisions.models import DecisionKind
from evalflow.decisions.services import letter_content, new_verification_code
from evalflow.proposals.models import Proposal, ProposalState


@dataclass(frozen=True)
class StandInLetter:
    """What `letter_content` reads from a `Letter`, without reserving one in the database."""

    kind: DecisionKind
    folio: str
    verification_code: str
    issued_at: datetime


def build_contents(session: Session, call_code: str, config: Any,
                   count: int) -> list[LetterContent]:
    """`count` letters of the loaded call, half awards and half declines (by reference)."""
    call = session.scalars(sa.select(Call).where(Call.code == call_code)).one()

    def decided(state: ProposalState, limit: int) -> list[Proposal]:
        return list(session.scalars(
            sa.select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.state == state)
            .order_by(Proposal.number).limit(limit)
            .options(joinedload(Proposal.institution), joinedload(Proposal.sector),
                     joinedload(Proposal.call))
        ))

    proposals = decided(ProposalState.FUNDED, count // 2)
    proposals += decided(ProposalState.NOT_FUNDED, count - len(proposals))
    if len(proposals) < count:
        raise RuntimeError(f"only {len(proposals)} decided proposals; load more proposals")
    contents = []
    for folio, proposal in enumerate(proposals, start=1):
        funded = proposal.state == ProposalState.FUNDED
        kind = DecisionKind.AWARD if funded else DecisionKind.DECLINE
        letter = StandInLetter(kind, f"{call.code}/{folio:04d}", new_verification_code(),
                               proposal.decided_at or datetime.now().astimezone())
        contents.append(letter_content(letter, proposal, config))  # type: ignore[arg-type]
    return contents


@dataclass
class Phase:
    """A batch rendered one way: wall time and this process's memory."""

    name: str
    seconds: float
    letters: int
    peak_growth_mib: float  # rise of this process's RSS high-water mark during the phase
    retained_mib: float  # resident memory after minus before (after a gc.collect())
    workers: dict[int, float] = field(default_factory=dict)  # largest worker peak RSS MiB

    @property
    def per_second(self) -> float:
        """Letters per second."""
        return self.letters / self.seconds


@dataclass
class LetterFigures:
    """Everything measured about letters."""

    one: Timing
    one_pdf_kib: float
    phases: dict[str, Phase]
    processes: int
    identical: bool
    naive_runs: list[Phase] = field(default_factory=list)
    batch_runs: list[Phase] = field(default_factory=list)


def _phase(name: str, render: Any, contents: list[LetterContent],
           sample_workers: bool = False) -> tuple[Phase, list[bytes]]:
    """Render `contents` with `render`. With `sample_workers`, also note the largest peak RSS
    of the worker processes, read once they have exited (no sampling thread: a second thread
    would make the pool start its workers from a fork server instead of forking)."""
    gc.collect()
    peak_before, rss_before = peak_rss_mib(), current_rss_mib()
    started = time.perf_counter()
    pdfs = render(contents)
    seconds = time.perf_counter() - started
    gc.collect()
    workers = {}
    if sample_workers:
        workers = {0: resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    phase = Phase(name, seconds, len(contents), peak_rss_mib() - peak_before,
                  current_rss_mib() - rss_before, workers)
    return phase, pdfs


def run(contents: list[LetterContent], processes: int, repetitions: int = 10,
        rounds: int = 3) -> LetterFigures:
    """One letter (warm-up, then the median of `repetitions`), then the batch three ways.

    Order: one letter, (b) optimised single process, then `rounds` alternations of (a) naive
    and (c) the batch in `processes` workers, each (c) starting its own pool as `flask
    letters issue` does. Memory is a high-water mark, so (b) runs before (a): the naive
    renderer's growth shows on its own instead of hiding under an earlier peak. Alternating
    (a) and (c) exposes both to the same moments of a shared machine; the figures compared
    are the medians of the rounds.
    """
    first = contents[0]
    pdf = render_letter_pdf(first)  # warm-up: builds this process's FontConfiguration
    samples = []
    for _ in range(repetitions):
        started = time.perf_counter()
        pdf = render_letter_pdf(first)
        samples.append((time.perf_counter() - started) * 1000)
    optimised, pdfs_b = _phase("(b) optimised, one process (render_letter_pdf)",
                               lambda cs: [render_letter_pdf(c) for c in cs], contents)
    naive_runs: list[Phase] = []
    batch_runs: list[Phase] = []
    outputs = [pdfs_b]
    for _ in range(rounds):
        naive, pdfs = _phase("(a) naive, one process (render_letter_pdf_naive)",
                             lambda cs: [render_letter_pdf_naive(c) for c in cs], contents)
        naive_runs.append(naive)
        outputs.append(pdfs)
        batch, pdfs = _phase(f"(c) batch, render_letters_pdf(processes={processes})",
                             lambda cs: render_letters_pdf(cs, processes=processes), contents,
                             sample_workers=True)
        batch_runs.append(batch)
        outputs.append(pdfs)
    for pdfs in outputs:
        if len(pdfs) != len(contents) or not all(p.startswith(b"%PDF-") for p in pdfs):
            raise RuntimeError("a renderer returned something other than one PDF per letter")
    return LetterFigures(Timing(samples), len(pdf) / 1024,
                         {"a": _median(naive_runs), "b": optimised, "c": _median(batch_runs)},
                         processes, all(pdfs == outputs[0] for pdfs in outputs),
                         naive_runs, batch_runs)


def _median(runs: list[Phase]) -> Phase:
    """The run with the median time."""
    return sorted(runs, key=lambda phase: phase.seconds)[len(runs) // 2]
