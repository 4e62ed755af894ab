"""A small HTTP load generator: N threads, each with its own http.client connection, sending
a weighted mix of GET requests for a fixed time and recording each one's latency.

The connection is kept alive when the server allows it and reopened when it closes it
(gunicorn's sync workers close after every response, as they do behind nginx).
"""

from __future__ import annotations

import http.client
import math
import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """One kind of request in the mix: `weight` of every sum(weights) requests."""

    label: str
    paths: tuple[str, ...]  # cycled through, e.g. several verification codes
    expect: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    weight: int = 1


@dataclass
class Results:
    """What one run measured: latencies (ms) by target, errors, the measured wall time."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_examples: list[str] = field(default_factory=list)
    client_cpu_seconds: float = 0.0  # this process's CPU over warm-up and measurement
    elapsed_seconds: float = 0.0  # warm-up and measurement

    @property
    def all_latencies(self) -> list[float]:
        return [value for values in self.latencies.values() for value in values]

    @property
    def requests(self) -> int:
        return len(self.all_latencies)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1); NaN without samples."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _schedule(targets: list[Target], seed: int) -> list[Target]:
    """The mix as a shuffled sequence, different per thread so they do not march in step."""
    sequence = [target for target in targets for _ in range(target.weight)]
    random.Random(seed).shuffle(sequence)
    return sequence


def run(host: str, port: int, targets: list[Target], *, concurrency: int, duration: float,
        warmup: float) -> Results:
    """Load the server for `warmup` seconds (not recorded), then `duration` seconds."""
    results = Results()
    lock = threading.Lock()
    start = threading.Barrier(concurrency + 1)
    window: dict[str, float] = {}

    def worker(index: int) -> None:
        schedule = _schedule(targets, index)
        cursors: dict[str, int] = defaultdict(int)
        latencies: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, int] = defaultdict(int)
        examples: list[str] = []
        connection = http.client.HTTPConnection(host, port, timeout=60)
        start.wait()
        step = 0
        while True:
            now = time.perf_counter()
            if now >= window["end"]:
                break
            target = schedule[step % len(schedule)]
            step += 1
            path = target.paths[cursors[target.label] % len(target.paths)]
            cursors[target.label] += 1
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers=dict(target.headers))
                response = connection.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    connection.close()  # reopened by the next request
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                status = -1
                if len(examples) < 3:
                    examples.append(f"{target.label}: {error!r}")
            ended = time.perf_counter()
            if began < window["measure_from"]:
                continue
            if status == target.expect:
                latencies[target.label].append((ended - began) * 1000)
            else:
                errors[target.label] += 1
                if status != -1 and len(examples) < 3:
                    examples.append(f"{target.label}: {path} answered {status}")
        connection.close()
        with lock:
            for label, values in latencies.items():
                results.latencies[label].extend(values)
            for label, count in errors.items():
                results.errors[label] += count
            results.error_examples.extend(examples[: max(0, 5 - len(results.error_examples))])

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    cpu_before = time.process_time()
    now = time.perf_counter()
    window["measure_from"] = now + warmup
    window["end"] = now + warmup + duration
    start.wait()
    for thread in threads:
        thread.join()
    # Requests still in flight at the end are counted: the window is as long as the last one.
    results.seconds = max(duration, time.perf_counter() - window["measure_from"])
    results.client_cpu_seconds = time.process_time() - cpu_before
    results.elapsed_seconds = time.perf_counter() - now
    return results
