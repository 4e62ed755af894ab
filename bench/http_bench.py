"""Time JSON API requests through Flask's test client and count their SQL statements."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from bench.measure import QueryCounter, Timing


@dataclass(frozen=True)
class EndpointFigures:
    """One endpoint's timings, SQL statements per request and the size of its answer."""

    label: str
    url: str
    timing: Timing
    queries: list[int]  # per timed request (the warm-up excluded)
    warmup_queries: int
    response_kib: float
    rows: str
    body: Any  # the last response's JSON, for sanity checks


def _rows(body: Any) -> str:
    if isinstance(body, dict) and "items" in body:
        return f"{len(body['items'])} of {body['total']}"
    if isinstance(body, dict) and "received" in body:
        return f"{len(body.get('by_sector', []))} sectors, {body['received']} received"
    return "-"


def time_get(client: Any, engine: sa.Engine, label: str, url: str, token: str,
             repetitions: int) -> EndpointFigures:
    """GET `url` once to warm up, then `repetitions` times, timing each request.

    Every request runs in its own application context (the caller must not hold one), so
    each gets a fresh database session as in production.
    """
    headers = {"Authorization": f"Bearer {token}"}
    with QueryCounter(engine) as counter:
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(
                f"GET {url} answered {response.status_code}: {response.data[:300]!r}")
        warmup = counter.reset()
        samples: list[float] = []
        queries: list[int] = []
        for _ in range(repetitions):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            samples.append((time.perf_counter() - started) * 1000)
            queries.append(counter.reset())
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
    body = response.get_json()
    return EndpointFigures(label, url, Timing(samples), queries, warmup,
                           len(response.data) / 1024, _rows(body), body)
