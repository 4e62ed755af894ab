"""Small measuring tools: timing statistics, an SQL statement counter and memory readings."""

from __future__ import annotations

import math
import os
import resource
import statistics
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass(frozen=True)
class Timing:
    """Milliseconds of N repetitions, summarised."""

    samples_ms: list[float]

    @property
    def median(self) -> float:
        """The median, in ms."""
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        """The 95th percentile by nearest rank, in ms (with 10 samples: the slowest)."""
        ordered = sorted(self.samples_ms)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


class QueryCounter:
    """Counts the SQL statements an engine sends (a `before_cursor_execute` listener)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.count = 0

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.count += 1

    def __enter__(self) -> QueryCounter:
        sa.event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self)

    def reset(self) -> int:
        """Return the count so far and start again from zero."""
        count, self.count = self.count, 0
        return count


def peak_rss_mib(children: bool = False) -> float:
    """The high-water mark of resident memory (this process, or its reaped children), MiB.

    `ru_maxrss` is in KiB on Linux. For children it is the largest of any waited-for child,
    not a sum.
    """
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def current_rss_mib() -> float:
    """Resident memory right now, MiB (from /proc/self/statm; the peak if unavailable)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE / 2**20
    except OSError:
        return peak_rss_mib()
