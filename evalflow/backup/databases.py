"""The two databases, read, dumped and restored: SQLite through its online backup API and a
file put in place; PostgreSQL through pg_dump and pg_restore."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from evalflow.backup.archive import BackupError, copy_beside

DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
VERSION_TABLE = "alembic_version"
# Rows holding the stored name and SHA-256 of a file in the files folder.
FILE_REFERENCES = ("documents", "letters")


@dataclass(frozen=True)
class DatabaseState:
    """What a database holds, as the manifest records it."""

    revision: str | None
    row_counts: dict[str, int]
    references: dict[str, str]  # stored name -> SHA-256, of every file a row refers to


def read_state(conn: sa.Connection) -> DatabaseState:
    """The schema revision, the rows of every table and the files rows refer to, as seen by
    `conn`'s transaction."""
    tables = sorted(sa.inspect(conn).get_table_names())
    counts = {
        name: conn.scalar(sa.select(sa.func.count()).select_from(sa.table(name)))
        for name in tables
    }
    revision = None
    if VERSION_TABLE in tables:
        versions = conn.scalars(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).all()
        revision = ",".join(sorted(versions)) or None
    references: dict[str, str] = {}
    for table in FILE_REFERENCES:
        if table in tables:
            rows = conn.execute(sa.text(
                f"SELECT stored_name, sha256 FROM {table} WHERE stored_name IS NOT NULL"))
            references.update({name: digest for name, digest in rows})
    return DatabaseState(revision, counts, references)


def state_of(url: URL | str) -> DatabaseState:
    """`read_state` of the database at `url`, on a connection of its own."""
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return read_state(conn)
    finally:
        engine.dispose()


def sqlite_path(url: URL) -> Path:
    """The file of a SQLite URL."""
    if not url.database or url.database == ":memory:":
        raise BackupError("the SQLite database is in memory: there is nothing to back up")
    return Path(url.database)


def dump_sqlite(url: URL, target: Path) -> DatabaseState:
    """Copy the SQLite database to `target`, consistently, while the app may be writing."""
    source = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"there is no SQLite database at {source}")
    with closing(sqlite3.connect(source, timeout=30)) as src, \
            closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    state = state_of(f"sqlite:///{target}")
    with closing(sqlite3.connect(target)) as dst:
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside
    return state


def libpq_connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for a SQLAlchemy PostgreSQL URL, and the environment to run
    pg_dump or pg_restore in: the password travels in PGPASSWORD, never on a command line."""
    params: dict[str, Any] = {
        "host": url.host, "port": url.port, "user": url.username, "dbname": url.database,
    }
    for key, value in url.query.items():  # libpq options: sslmode, host=/socket/dir …
        params[key] = ",".join(value) if isinstance(value, tuple) else value
    conninfo = " ".join(
        f"{key}={_quote(str(value))}" for key, value in params.items() if value not in (None, "")
    )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return conninfo, env


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def client(name: str) -> str:
    """The path of a PostgreSQL client program, or a BackupError saying how to install it."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install Debian's postgresql-client (at least the "
            "server's major version)")
    return path


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {done.stderr.strip()}")


def dump_postgresql(url: URL, target: Path) -> DatabaseState:
    """`pg_dump --format=custom` of the database to `target`, and its state in the same
    snapshot."""
    pg_dump = client("pg_dump")
    conninfo, env = libpq_connection(url)
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # pg_dump reads the snapshot this transaction exported, so the dump holds
                # exactly the rows counted here, whatever the app writes meanwhile.
                snapshot = conn.scalar(sa.text("SELECT pg_export_snapshot()"))
                state = read_state(conn)
                _run([pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                      f"--file={target}", f"--dbname={conninfo}"], env)
    finally:
        engine.dispose()
    return state


def restore_sqlite(url: URL, staged: Path) -> None:
    """Put the staged copy in place of the (empty) SQLite database in one rename."""
    target = sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    part = copy_beside(staged, target)
    # The target held no data; stale journals must not be replayed over the restored file.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(part, target)


def restore_postgresql(url: URL, staged: Path) -> None:
    """`pg_restore` the staged dump into the (empty) database."""
    conninfo, env = libpq_connection(url)
    # One transaction: a failure part-way leaves the database as it was.
    _run([client("pg_restore"), "--no-owner", "--no-privileges", "--clean", "--if-exists",
          "--single-transaction", "--exit-on-error", f"--dbname={conninfo}", str(staged)], env)

