"""Requests per second and latency of evalflow under gunicorn with 1, 2 and 4 workers.

Run from the repository root (bench/README.md explains the figures):

    .venv/bin/python bench/throughput.py                    # SQLite in a temporary folder
    .venv/bin/python bench/throughput.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/evalflow_serving

A fresh instance is migrated and loaded with the demo (`flask --app evalflow demo load`),
then for each worker count gunicorn is started with gunicorn.conf.py and production settings
and loaded with a mix of the public verification page, the health check, the officers'
ranking page (signed in) and the JSON API's ranking (bearer token), for a fixed time after
a warm-up. The load comes from threads in this process on the same machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # `python bench/throughput.py` puts bench/ first on the path; the app lives at the root.
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench import loadgen  # noqa: E402
from bench.run import database_url, load_average, machine_facts, reset_postgresql  # noqa: E402
from evalflow.demo import data as demo  # noqa: E402
from tests.live_server import HOST, LiveServer  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CALL = demo.CALL_CODE
CLK_TCK = os.sysconf("SC_CLK_TCK")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="PostgreSQL URL (its public schema is DROPPED and recreated); "
                             "SQLite in a temporary instance folder when omitted")
    parser.add_argument("--workers", default="1,2,4",
                        help="gunicorn worker counts to measure (default %(default)s)")
    parser.add_argument("--concurrency", type=int, default=8,
                        help="simultaneous connections (default %(default)s)")
    parser.add_argument("--duration", type=float, default=10,
                        help="seconds measured per worker count (default %(default)s)")
    parser.add_argument("--warmup", type=float, default=3,
                        help="seconds of load before measuring (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="times each worker count is measured, in alternation; the "
                             "report shows each one's median round (default %(default)s)")
    parser.add_argument("--output", type=Path, default=RESULTS / "throughput.md",
                        help="Markdown file to write (default bench/results/throughput.md)")
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- The instance --------------------------------------------------------------------------


def prepare(instance: Path, url: str) -> LiveServer:
    """Migrate and load the demo through the command line, as an operator would."""
    server = LiveServer(instance, url, extra_env={"EVALFLOW_ENV": "production"})
    log("migrating and loading the demo ...")
    server.cli("db", "upgrade", timeout=300)
    server.cli("demo", "load", timeout=900)
    return server


def officer_token(server: LiveServer) -> str:
    """`flask users token` prints the token alone on its last line."""
    return server.cli("users", "token", demo.OFFICER.email).stdout.strip().splitlines()[-1]


def verification_codes(server: LiveServer, token: str) -> list[str]:
    """Every issued letter's code, through the API."""
    with requests.Session() as session:
        session.trust_env = False
        session.headers["Authorization"] = f"Bearer {token}"
        listing = session.get(f"{server.api_url}/calls/{CALL}/proposals?per_page=1000",
                              timeout=30).json()
        codes = []
        for item in listing["items"]:
            proposal = session.get(f"{server.api_url}/proposals/{item['id']}", timeout=30).json()
            if proposal.get("letter"):
                codes.append(proposal["letter"]["verification_code"])
    if not codes:
        raise SystemExit("the demo has no issued letters to verify")
    return codes


def session_cookie(server: LiveServer) -> str:
    """Sign in as the demo's officer through the login form; the signed session cookie."""
    with requests.Session() as session:
        session.trust_env = False
        page = session.get(f"{server.origin}/auth/login", timeout=30).text
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if not match:
            raise SystemExit("no CSRF token on the login page")
        response = session.post(
            f"{server.origin}/auth/login", allow_redirects=False, timeout=30,
            data={"csrf_token": match.group(1), "email": demo.OFFICER.email,
                  "password": demo.OFFICER.password},
        )
        if response.status_code != 302:
            raise SystemExit(f"signing in answered {response.status_code}")
        return "; ".join(f"{name}={value}" for name, value in session.cookies.items())


def mix(token: str, cookie: str, codes: list[str]) -> list[loadgen.Target]:
    """What the servers are asked, in proportion: mostly the public page and the rankings."""
    return [
        loadgen.Target("verification page", tuple(f"/verify/{code}" for code in codes),
                       weight=4),
        loadgen.Target("API ranking (token)", (f"/api/v1/calls/{CALL}/ranking",),
                       headers=(("Authorization", f"Bearer {token}"),), weight=3),
        loadgen.Target("ranking page (signed in)", (f"/officer/funding/{CALL}",),
                       headers=(("Cookie", cookie), ("Accept-Language", "es")), weight=2),
        loadgen.Target("health", ("/health",), weight=1),
    ]


# --- Measuring -----------------------------------------------------------------------------


def process_tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each of these processes so far."""
    times = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime, and cutime, cstime: the CPU of exited children it reaped (a worker
        # replaced after max_requests is accounted to the master).
        times[pid] = sum(int(value) for value in fields[11:15]) / CLK_TCK
    return times


def cpu_used(root: int, before: dict[int, float]) -> float:
    """CPU seconds the process tree under `root` used since `before` (new processes whole)."""
    now = cpu_seconds(process_tree(root))
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())


def measure(instance: Path, url: str, workers: int, targets: list[loadgen.Target],
            args: argparse.Namespace) -> dict:
    """Start gunicorn with `workers` workers, load it, stop it."""
    server = LiveServer(instance, url, workers=workers,
                        extra_env={"EVALFLOW_ENV": "production"})
    server.start()
    try:
        server.wait_until_ready()
        assert server.process is not None
        before = cpu_seconds(process_tree(server.process.pid))
        log(f"{workers} worker(s): {args.warmup:g} s warm-up, {args.duration:g} s measured, "
            f"{args.concurrency} connections ...")
        results = loadgen.run(HOST, server.port, targets, concurrency=args.concurrency,
                              duration=args.duration, warmup=args.warmup)
        server_cpu = cpu_used(server.process.pid, before)
    finally:
        server.stop()
    for example in results.error_examples:
        log(f"  error: {example}")
    return {"workers": workers, "results": results,
            "server_cpu": server_cpu / results.elapsed_seconds,
            "client_cpu": results.client_cpu_seconds / results.elapsed_seconds}


def median_run(runs: list[dict]) -> dict:
    """The round with the median requests per second, noting every round's figure."""
    ordered = sorted(runs, key=lambda run: run["results"].per_second)
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["rounds"] = [run["results"].per_second for run in runs]
    return chosen


# --- Reporting -----------------------------------------------------------------------------


def _ms(value: float) -> str:
    return f"{value:.1f}" if value == value else "-"  # NaN without samples


def markdown(args: argparse.Namespace, facts: list[tuple[str, str]],
             runs: list[dict], targets: list[loadgen.Target], load_at_end: str) -> str:
    """The report: machine, overall figures per worker count, then per kind of request."""
    weights = sum(target.weight for target in targets)
    lines = [
        f"# Throughput under gunicorn ({dict(facts)['Database']})", "",
        f"`{' '.join(sys.argv)}`", "",
        f"Demo call {CALL}; {args.concurrency} connections from threads on the same machine; "
        f"{args.warmup:g} s warm-up then {args.duration:g} s measured per setting, "
        f"{args.rounds} round(s) alternating the settings, the median round shown; sync "
        "workers, gunicorn.conf.py, EVALFLOW_ENV=production (JSON request log to a file).", "",
        "Mix: " + ", ".join(f"{target.label} {100 * target.weight // weights}%"
                            for target in targets) + ".", "",
        "| workers | requests | req/s | best round req/s | p50 ms | p95 ms | p99 ms | errors "
        "| server CPU | load generator CPU |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        results: loadgen.Results = run["results"]
        samples = results.all_latencies
        lines.append(
            f"| {run['workers']} | {results.requests:,} | {results.per_second:,.0f} "
            f"| {max(run['rounds']):,.0f} "
            f"| {_ms(loadgen.percentile(samples, 0.50))} "
            f"| {_ms(loadgen.percentile(samples, 0.95))} "
            f"| {_ms(loadgen.percentile(samples, 0.99))} "
            f"| {sum(results.errors.values())} "
            f"| {run['server_cpu']:.0%} | {run['client_cpu']:.0%} |"
        )
    lines += ["", "Every round's req/s: " + "; ".join(
        f"{run['workers']} worker(s) " + ", ".join(f"{value:,.0f}" for value in run["rounds"])
        for run in runs) + "."]
    lines += ["", "| workers | request | req/s | p50 ms | p95 ms | p99 ms |",
              "| ---: | --- | ---: | ---: | ---: | ---: |"]
    for run in runs:
        results = run["results"]
        for target in targets:
            samples = results.latencies.get(target.label, [])
            lines.append(
                f"| {run['workers']} | {target.label} | {len(samples) / results.seconds:,.0f} "
                f"| {_ms(loadgen.percentile(samples, 0.50))} "
                f"| {_ms(loadgen.percentile(samples, 0.95))} "
                f"| {_ms(loadgen.percentile(samples, 0.99))} |"
            )
    lines += ["", "| machine | |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in facts]
    lines.append(f"| Load average at end | {load_at_end} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Prepare the demo instance, measure each worker count, report."""
    args = parse_args(argv)
    worker_counts = [int(part) for part in args.workers.split(",") if part.strip()]
    load_at_start = load_average()
    instance = Path(tempfile.mkdtemp(prefix="evalflow-throughput-"))
    url = database_url(args, instance)
    try:
        if url.startswith("postgresql"):
            reset_postgresql(url)
        server = prepare(instance, url)
        token = officer_token(server)
        server.start()
        try:
            server.wait_until_ready()
            codes = verification_codes(server, token)
            cookie = session_cookie(server)
        finally:
            server.stop()
        targets = mix(token, cookie, codes)
        engine = sa.create_engine(url)
        try:
            facts = machine_facts(engine, load_at_start)
        finally:
            engine.dispose()
        # Rounds alternate the worker counts, so each meets the same moments of a shared machine.
        rounds: dict[int, list[dict]] = {workers: [] for workers in worker_counts}
        for number in range(1, args.rounds + 1):
            log(f"round {number} of {args.rounds}")
            for workers in worker_counts:
                rounds[workers].append(measure(instance, url, workers, targets, args))
        runs = [median_run(rounds[workers]) for workers in worker_counts]
        report = markdown(args, facts, runs, targets, load_average())
    finally:
        shutil.rmtree(instance, ignore_errors=True)
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    database = "postgresql" if url.startswith("postgresql") else "sqlite"
    (args.output.parent / f"throughput-{database}.md").write_text(report)
    log(f"written to {args.output}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    log(f"done in {time.perf_counter() - started:.0f} s")
