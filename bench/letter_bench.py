"""Time award and decline letters: one letter, and a batch rendered three ways in one run."""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
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


class DescendantMemory:
    """Samples the peak RSS (VmHWM) of this process's grandchildren from /proc.

    Worker processes of the forkserver pool are children of the fork server, not of this
    process, so `getrusage(RUSAGE_CHILDREN)` never sees them; this sampler does. Direct
    children (the fork server itself, multiprocessing's resource tracker) are left out.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _workers(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        me = os.getpid()
        children = {pid for pid, ppid in parents.items() if ppid == me}
        # Grandchildren running Python: the workers. The fork server's short-lived helpers
        # (ldconfig, run by ctypes.util.find_library while WeasyPrint loads) are left out.
        return [pid for pid, ppid in parents.items()
                if ppid in children and self._runs_python(pid)]

    @staticmethod
    def _runs_python(pid: int) -> bool:
        try:
            return os.readlink(f"/proc/{pid}/exe") == os.readlink("/proc/self/exe")
        except OSError:
            return False

    def _sample(self) -> None:
        for pid in self._workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    mib = int(line.split()[1]) / 1024
                    self.peaks[pid] = max(self.peaks.get(pid, 0.0), mib)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> DescendantMemory:
        if Path("/proc/self/stat").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


@dataclass
class Phase:
    """A batch rendered one way: wall time and this process's memory."""

    name: str
    seconds: float
    letters: int
    peak_growth_mib: float  # rise of this process's RSS high-water mark during the phase
    retained_mib: float  # resident memory after minus before (after a gc.collect())
    workers: dict[int, float] = field(default_factory=dict)  # worker pid -> peak RSS MiB

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


def _phase(name: str, render: Any, contents: list[LetterContent],
           sample_workers: bool = False) -> tuple[Phase, list[bytes]]:
    """Render `contents` with `render`; sample worker memory only when asked (a thread
    reading /proc would otherwise compete for the GIL with a single-process render)."""
    gc.collect()
    peak_before, rss_before = peak_rss_mib(), current_rss_mib()
    workers = DescendantMemory()
    with workers if sample_workers else contextlib.nullcontext():
        started = time.perf_counter()
        pdfs = render(contents)
        seconds = time.perf_counter() - started
    gc.collect()
    phase = Phase(name, seconds, len(contents), peak_rss_mib() - peak_before,
                  current_rss_mib() - rss_before, dict(workers.peaks))
    return phase, pdfs


def run(contents: list[LetterContent], processes: int, repetitions: int = 10) -> LetterFigures:
    """One letter (warm-up, then the median of `repetitions`), then the batch three ways.

    Order: one letter, (b) optimised single process, (a) naive, (c) batch in `processes`
    workers, (c′) that batch again. Memory is a high-water mark, so (b) runs before (a): the
    naive renderer's growth shows on its own instead of hiding under an earlier peak. (c) is
    the first pool of the process, so it pays for starting the fork server (which imports the
    main module) as `flask letters issue` does; (c′) shows the cost without that.
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
    naive, pdfs_a = _phase("(a) naive, one process (render_letter_pdf_naive)",
                           lambda cs: [render_letter_pdf_naive(c) for c in cs], contents)
    batch, pdfs_c = _phase(f"(c) batch, render_letters_pdf(processes={processes})",
                           lambda cs: render_letters_pdf(cs, processes=processes), contents,
                           sample_workers=True)
    again, pdfs_d = _phase("(c′) the same batch again, fork server already running",
                           lambda cs: render_letters_pdf(cs, processes=processes), contents,
                           sample_workers=True)
    for pdfs in (pdfs_a, pdfs_b, pdfs_c, pdfs_d):
        if len(pdfs) != len(contents) or not all(p.startswith(b"%PDF-") for p in pdfs):
            raise RuntimeError("a renderer returned something other than one PDF per letter")
    return LetterFigures(Timing(samples), len(pdf) / 1024,
                         {"a": naive, "b": optimised, "c": batch, "c2": again}, processes,
                         pdfs_a == pdfs_b == pdfs_c == pdfs_d)
