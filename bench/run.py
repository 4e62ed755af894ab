"""Benchmark evalflow's hot paths on a call of 10,000 proposals with 3 reviews each.

Run from the repository root (see bench/README.md for what each figure means):

    .venv/bin/python bench/run.py                       # SQLite in a temporary folder
    .venv/bin/python bench/run.py --proposals 500       # a quick check
    .venv/bin/python bench/run.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

It migrates a fresh schema, bulk-loads the call `BENCH-10K`, times the ranking and report
through the JSON API (Flask's test client, an officer's bearer token) and renders letters
three ways, then prints a Markdown table and writes it to bench/results/latest.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import platform
import shutil
import sqlite3
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # `python bench/run.py` puts bench/ first on the path; the app's `config` lives at the root.
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import dataset, http_bench, letter_bench  # noqa: E402
from bench.measure import current_rss_mib, peak_rss_mib  # noqa: E402
from config import TestingConfig  # noqa: E402
from evalflow import create_app  # noqa: E402
from evalflow.auth.models import User  # noqa: E402
from evalflow.auth.services import create_token  # noqa: E402
from evalflow.database import write_intent  # noqa: E402
from evalflow.decisions.letters import harfbuzz_subset_available  # noqa: E402
from evalflow.extensions import db  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def load_average() -> str:
    """The system load average; other work on the machine skews every figure."""
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=10_000,
                        help="proposals in the call (default 10000; 500 for a quick check)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="PostgreSQL URL (its public schema is DROPPED and recreated); "
                             "SQLite in the instance folder when omitted")
    parser.add_argument("--instance", type=Path,
                        help="instance folder (default: a temporary one, removed afterwards)")
    parser.add_argument("--repetitions", type=int, default=10,
                        help="timed requests per endpoint and single-letter renders (default 10)")
    parser.add_argument("--letters", type=int, default=100, help="letters per batch (default 100)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="worker processes for the batch (default: os.cpu_count())")
    parser.add_argument("--sector", default=dataset.SECTORS[0][0],
                        help="sector for the filtered ranking (default %(default)s)")
    parser.add_argument("--skip-letters", action="store_true", help="time the API only")
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.md",
                        help="Markdown file to write (default bench/results/latest.md)")
    return parser.parse_args(argv)


def database_url(args: argparse.Namespace, instance: Path) -> str:
    """The URL to benchmark; refuses the `test` database that the test suites use."""
    url = args.database_url
    if not url:
        return f"sqlite:///{instance / 'bench.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql" and parsed.database == "test":
        sys.exit("refusing the `test` database: the test suites use it; use `postgres`")
    return url


def reset_postgresql(url: str) -> None:
    """Drop and recreate the public schema so the migrations start from nothing."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def machine_facts(engine: sa.Engine, load_at_start: str) -> list[tuple[str, str]]:
    """CPU, Python, libraries and the database server."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            server = conn.exec_driver_sql("SHOW server_version").scalar()
            database = f"PostgreSQL {server} (psycopg {metadata.version('psycopg')})"
        else:
            database = f"SQLite {conn.exec_driver_sql('SELECT sqlite_version()').scalar()}"
    return [
        ("CPU", f"{cpu}; os.cpu_count() = {os.cpu_count()}, usable = {affinity}"),
        ("OS", platform.platform()),
        ("Python", platform.python_version()),
        ("SQLite library", sqlite3.sqlite_version),
        ("Database", database),
        ("Libraries", ", ".join(f"{name} {metadata.version(name)}" for name in
                                ("Flask", "SQLAlchemy", "weasyprint"))),
        ("libharfbuzz-subset", "available" if harfbuzz_subset_available() else "MISSING"),
        ("Load average (1, 5, 15 min) at start", load_at_start),
        ("Date", dt.datetime.now().astimezone().isoformat(timespec="seconds")),
    ]


def check_answers(data: dataset.Dataset, proposals: int,
                  endpoints: list[http_bench.EndpointFigures]) -> None:
    """Stop if the API disagrees with what was loaded: a fast wrong answer proves nothing."""
    ranking, _, report = (e.body for e in endpoints)
    expected = {"ranking total": (ranking["total"], proposals),
                "received": (report["received"], proposals),
                "reviewed": (report["reviewed"], proposals),
                "funded": (report["funded"], data.states.get("funded", 0)),
                "not_funded": (report["not_funded"], data.states.get("not_funded", 0)),
                "awarded_total": (report["awarded_total"], f"{data.awarded_total:.2f}")}
    wrong = {name: pair for name, pair in expected.items() if pair[0] != pair[1]}
    scores = [item["score"] for item in ranking["items"]]
    if scores != sorted(scores, reverse=True):
        wrong["ranking order"] = ("not best first", "best first")
    if wrong:
        raise SystemExit(f"the API's answers do not match the loaded data: {wrong}")


def markdown(args: argparse.Namespace, facts: list[tuple[str, str]], migrate_s: float,
             data: dataset.Dataset, load: dataset.LoadTimes, analyze_s: float | None,
             endpoints: list[http_bench.EndpointFigures],
             letters: letter_bench.LetterFigures | None, dialect: str,
             total_s: float) -> str:
    """All the figures as Markdown."""
    out = [f"## evalflow benchmark: {args.proposals:,} proposals on {dialect}", ""]
    out += ["| machine | |", "| --- | --- |"]
    out += [f"| {name} | {value} |" for name, value in facts]
    states = ", ".join(f"{count:,} {state}" for state, count in sorted(data.states.items()))
    out += ["", f"Call `{dataset.CALL_CODE}`: {states}; awarded {data.awarded_total:,} of "
            f"{data.total_budget:,} MXN; 3 submitted reviews per proposal, 4 criteria.", ""]
    out += ["| load | rows | seconds |", "| --- | ---: | ---: |",
            f"| migrations (`flask_migrate.upgrade()`) | | {migrate_s:.2f} |",
            f"| build rows in Python | | {load.generate_s:.2f} |",
            f"| **bulk insert + commit** | **{load.rows:,}** | **{load.insert_s:.2f}** |"]
    out += [f"| &nbsp;&nbsp;{table} | {rows:,} | {seconds:.2f} |"
            for table, (rows, seconds) in load.per_table.items() if rows or seconds > 0.005]
    if analyze_s is not None:
        out.append(f"| ANALYZE (not part of the load) | | {analyze_s:.2f} |")
    out += ["", f"| request ({args.repetitions} timed after 1 warm-up) | median ms | p95 ms | "
            "SQL queries / request | response KiB | rows |",
            "| --- | ---: | ---: | ---: | ---: | --- |"]
    for e in endpoints:
        queries = (str(e.queries[0]) if len(set(e.queries)) == 1
                   else f"{min(e.queries)}-{max(e.queries)}")
        out.append(f"| `GET {e.url}` | {e.timing.median:.1f} | {e.timing.p95:.1f} | {queries} "
                   f"| {e.response_kib:,.0f} | {e.rows} |")
    if letters:
        a, b, c = letters.phases["a"], letters.phases["b"], letters.phases["c"]
        out += ["", "| letters | value |", "| --- | ---: |",
                f"| one letter, `render_letter_pdf`, median of {len(letters.one.samples_ms)} "
                f"(p95) | {letters.one.median:.0f} ms ({letters.one.p95:.0f} ms), "
                f"{letters.one_pdf_kib:.0f} KiB |"]
        out += ["", f"| batch of {a.letters} letters (median of {len(letters.naive_runs)} "
                "alternating rounds for (a) and (c)) | seconds | letters/s | vs (a) | "
                "peak RSS growth MiB | RSS retained MiB |",
                "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for phase in (a, b, c):
            out.append(f"| {phase.name} | {phase.seconds:.2f} | {phase.per_second:.1f} | "
                       f"{phase.per_second / a.per_second:.2f}× | "
                       f"{phase.peak_growth_mib:.1f} | {phase.retained_mib:.1f} |")
        workers = sorted(c.workers.values())
        worker_text = (f"largest worker peak RSS {workers[-1]:.0f} MiB" if workers
                       else "not sampled")
        rounds = ", ".join(f"{n.seconds:.1f}/{k.seconds:.1f} s"
                           for n, k in zip(letters.naive_runs, letters.batch_runs, strict=True))
        out += ["", f"(b)/(a) = **{b.per_second / a.per_second:.2f}×**, "
                f"(c)/(a) = **{c.per_second / a.per_second:.2f}×** "
                f"(processes = {letters.processes}; each (c) starts its own pool). "
                f"Rounds (a)/(c): {rounds}. Batch workers: {worker_text}. "
                f"PDFs byte-identical across every run: "
                f"{'yes' if letters.identical else 'NO'}."]
    out += ["", f"Load average at the end: {load_average()}.",
            "", f"Main process peak RSS {peak_rss_mib():.0f} MiB, now {current_rss_mib():.0f} "
            f"MiB. Whole run {total_s:.0f} s.", "",
            "Command: `" + " ".join([".venv/bin/python", "bench/run.py", *sys.argv[1:]]) + "`",
            ""]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """Migrate, load, time the API and the letters, report."""
    args = parse_args(argv)
    started = time.perf_counter()
    load_at_start = load_average()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    temporary = args.instance is None
    instance = Path(tempfile.mkdtemp(prefix="evalflow-bench-")) if temporary else args.instance
    instance.mkdir(parents=True, exist_ok=True)
    url = database_url(args, instance)
    try:
        if url.startswith("postgresql"):
            reset_postgresql(url)
        elif Path(make_url(url).database or "").exists():
            sys.exit(f"{make_url(url).database} exists: give an empty --instance folder")
        app = create_app(TestingConfig(instance, url))
        with app.app_context():
            engine = db.engine
            dialect = engine.dialect.name
            print(f"migrating {dialect} ...", file=sys.stderr)
            t0 = time.perf_counter()
            upgrade()
            migrate_s = time.perf_counter() - t0
            print(f"loading {args.proposals:,} proposals ...", file=sys.stderr)
            with write_intent():
                data, load = dataset.load(db.session, args.proposals)
                analyze_s = None
                if dialect == "postgresql":
                    # Autovacuum would do this within a minute of such a load.
                    t0 = time.perf_counter()
                    with engine.connect().execution_options(
                            isolation_level="AUTOCOMMIT") as conn:
                        conn.exec_driver_sql("ANALYZE")
                    analyze_s = time.perf_counter() - t0
                officer = db.session.get(User, dataset.OFFICER_ID)
                token = create_token(db.session, officer)
                db.session.commit()
            contents = ([] if args.skip_letters else
                        letter_bench.build_contents(db.session, dataset.CALL_CODE, app.config,
                                                    args.letters))
            facts = machine_facts(engine, load_at_start)
            db.session.remove()

        # No application context from here on: every request gets its own, and its own
        # session, as it would under a real server.
        client = app.test_client()
        base = f"/api/v1/calls/{dataset.CALL_CODE}"
        endpoints = []
        for label, path in (("ranking", f"{base}/ranking?per_page=1000"),
                            ("ranking by sector", f"{base}/ranking?sector={args.sector}"),
                            ("report", f"{base}/report")):
            print(f"timing GET {path} ...", file=sys.stderr)
            endpoints.append(http_bench.time_get(client, engine, label, path, token,
                                                 args.repetitions))
        check_answers(data, args.proposals, endpoints)
        letters = None
        if contents:
            print(f"rendering letters ({len(contents)} per batch) ...", file=sys.stderr)
            letters = letter_bench.run(contents, args.processes, args.repetitions)
        with app.app_context():
            db.engine.dispose()
        text = markdown(args, facts, migrate_s, data, load, analyze_s, endpoints, letters,
                        dialect, time.perf_counter() - started)
    finally:
        if temporary:
            shutil.rmtree(instance, ignore_errors=True)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    # Keep one file per database too, so a SQLite run and a PostgreSQL run can sit side by side.
    if args.output == RESULTS / "latest.md":
        (RESULTS / f"{dialect}-{args.proposals}.md").write_text(text, encoding="utf-8")
    print(f"written to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
