"""`flask --app evalflow backup create|restore`: one archive of the database and the files,
restored into an empty instance with every row, letter PDF and audit record identical; every
refusal changes nothing. On SQLite, and on PostgreSQL in databases of this module's own."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from click.testing import Result
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from werkzeug.security import generate_password_hash

from config import TestingConfig
from evalflow import create_app
from evalflow.backup import libpq_connection
from evalflow.extensions import db

PG_SERVER = make_url(os.environ.get("EVALFLOW_TEST_DATABASE_URL")
                     or "postgresql+psycopg://postgres@127.0.0.1:5432/test")
KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
OTHER = {"sqlite": "postgresql", "postgresql": "sqlite"}


def _cheap_hash(password: str) -> str:
    # The demo creates 40 users; their scrypt hashes alone would take 5-10 s here.
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


# --- PostgreSQL databases of this module's own -----------------------------------------------


def _pg_admin() -> sa.Engine:
    return sa.create_engine(PG_SERVER.set(database="postgres"), poolclass=NullPool,
                            isolation_level="AUTOCOMMIT")


def _skip_unless_postgresql_answers() -> None:
    try:
        with _pg_admin().connect():
            pass
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL is not reachable at {PG_SERVER.host}:{PG_SERVER.port}: "
                    f"{error.orig}")


def _create_pg_database(name: str) -> str:
    with _pg_admin().connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return PG_SERVER.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(name: str) -> None:
    with _pg_admin().connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- instances ----------------------------------------------------------------------------


@dataclass
class Site:
    """An instance: its folder (files in `files/`), its database and the app over them."""

    kind: str
    folder: Path
    url: str
    app: Flask

    @property
    def files(self) -> Path:
        return self.folder / "files"

    def cli(self, *args: str) -> Result:
        return self.app.test_cli_runner().invoke(args=list(args))

    def has_database(self) -> bool:
        return self.kind == "postgresql" or Path(make_url(self.url).database).exists()

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table in the database, in primary-key order."""
        if not self.has_database():
            return {}
        engine = sa.create_engine(self.url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                metadata = sa.MetaData()
                metadata.reflect(conn)
                return {
                    name: [dict(row) for row in conn.execute(
                        sa.select(table).order_by(*table.primary_key.columns)).mappings()]
                    for name, table in sorted(metadata.tables.items())
                }
        finally:
            engine.dispose()

    def file_hashes(self) -> dict[str, str]:
        return {path.relative_to(self.files).as_posix(): _sha256(path.read_bytes())
                for path in sorted(self.files.rglob("*")) if path.is_file()}

    def snapshot(self) -> tuple[Any, ...]:
        """Everything a refused restore must leave as it was."""
        listing = sorted(str(p.relative_to(self.folder)) for p in self.folder.rglob("*")
                         if not p.name.endswith(("-wal", "-shm")))  # open SQLite connections
        return self.rows(), self.file_hashes(), listing

    def close(self) -> None:
        with self.app.app_context():
            db.engine.dispose()
        if self.kind == "postgresql":
            _drop_pg_database(make_url(self.url).database)


def _site(kind: str, folder: Path, role: str) -> Site:
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'evalflow.sqlite3'}"
    else:
        url = _create_pg_database(f"evalflow_backup_{role}_{os.getpid()}")
    return Site(kind, folder, url, create_app(TestingConfig(folder, url)))


def _ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module", params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        _skip_unless_postgresql_answers()
    return request.param


@pytest.fixture(scope="module")
def source(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The 2008 demo: proposals with documents, reviews, funding, issued letters (PDFs) and
    the audit trail of all of it."""
    site = _site(kind, tmp_path_factory.mktemp(f"source-{kind}"), "src")
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("evalflow.auth.services.generate_password_hash", _cheap_hash)
            _ok(site.cli("db", "upgrade"))
            _ok(site.cli("demo", "load"))
        yield site
    finally:
        site.close()


@pytest.fixture(scope="module")
def archive(source: Site, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp(f"archives-{source.kind}")
    _ok(source.cli("backup", "create", str(folder)))
    (path,) = folder.glob("evalflow-backup-*.tar.gz")
    return path


@pytest.fixture
def target(kind: str, tmp_path: Path) -> Iterator[Site]:
    """A new instance: a new folder and a new database without any table."""
    site = _site(kind, tmp_path / "target", "dst")
    yield site
    site.close()


def _repack(archive: Path, into: Path,
            change: Callable[[list[tuple[tarfile.TarInfo, bytes]]], None]) -> Path:
    """A copy of `archive` with its members (manifest first) passed through `change`."""
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore
    change(members)
    with tarfile.open(into, "w:gz") as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return into


def _edit_manifest(edit: Callable[[dict[str, Any]], None]):
    def change(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        info, data = members[0]
        manifest = json.loads(data)
        edit(manifest)
        members[0] = (info, json.dumps(manifest).encode())
    return change


# --- backing up ---------------------------------------------------------------------------


def test_an_archive_holds_a_manifest_then_the_database_and_every_file(source, archive, kind):
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        digests = {m.name: _sha256(tar.extractfile(m).read())  # type: ignore[union-attr]
                   for m in tar.getmembers()[1:]}
    assert names[0] == "manifest.json"
    assert (manifest["format"], manifest["format_version"]) == ("evalflow-backup", 1)
    assert datetime.fromisoformat(manifest["created_at"]).utcoffset().total_seconds() == 0
    database = manifest["database"]
    assert (database["kind"], database["member"]) == (kind, MEMBER[kind])
    script = ScriptDirectory(source.app.extensions["migrate"].directory)
    assert database["alembic_revision"] == script.get_current_head()
    rows = source.rows()
    assert manifest["row_counts"] == {table: len(found) for table, found in rows.items()}
    assert manifest["row_counts"]["letters"] == 26 and manifest["row_counts"]["documents"] > 0
    assert {name: entry["sha256"] for name, entry in manifest["files"].items()} \
        == source.file_hashes()
    assert digests == {MEMBER[kind]: database["sha256"]} | {
        f"files/{name}": entry["sha256"] for name, entry in manifest["files"].items()}
    assert archive.stat().st_mode & 0o777 == 0o600  # it holds password hashes


def test_by_default_the_archive_goes_to_the_instance_folders_backups(source, tmp_path):
    output = _ok(source.cli("backup", "create"))
    (made,) = (source.folder / "backups").glob("evalflow-backup-*Z.tar.gz")
    assert str(made) in output
    made.unlink()
    named = tmp_path / "nightly.tar.gz"
    _ok(source.cli("backup", "create", str(named)))
    again = source.cli("backup", "create", str(named))
    assert again.exit_code == 1 and "already exists" in again.output


def test_a_backup_taken_during_a_write_holds_only_what_was_committed(source, tmp_path):
    before = len(source.rows()["audit_events"])
    engine = sa.create_engine(source.url, poolclass=NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql("DELETE FROM audit_events")  # a write the app has not committed
        _ok(source.cli("backup", "create", str(tmp_path)))
        conn.rollback()
    engine.dispose()
    (made,) = tmp_path.glob("*.tar.gz")
    with tarfile.open(made) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["row_counts"]["audit_events"] == before


# --- restoring ----------------------------------------------------------------------------


@pytest.mark.parametrize("prepared", [False, True], ids=["new-database", "after-db-upgrade"])
def test_restoring_into_an_empty_instance_brings_back_every_row_letter_and_audit_record(
    source, archive, target, prepared
):
    if prepared:
        _ok(target.cli("db", "upgrade"))
    output = _ok(target.cli("backup", "restore", str(archive)))
    assert "as the manifest records" in output and "Audit trail intact" in output

    rows = target.rows()
    assert rows == source.rows()  # every proposal, review, letter, audit record …
    assert len(rows["proposals"]) == 29 and rows["reviews"] and rows["audit_events"]
    issued = [letter for letter in rows["letters"] if letter["state"] == "issued"]
    stored = issued + rows["documents"]
    assert len(issued) == 26 and len(stored) > 26
    for row in stored:
        data = (target.files / row["stored_name"]).read_bytes()
        assert data == (source.files / row["stored_name"]).read_bytes()
        assert _sha256(data) == row["sha256"] and data.startswith(b"%PDF")
    assert target.file_hashes() == source.file_hashes()

    verified = _ok(target.cli("audit", "verify"))
    assert f"{len(rows['audit_events'])} events, chain verified" in verified
    funded = next(letter for letter in issued if letter["kind"] == "award")
    response = target.app.test_client().get(f"/api/v1/letters/{funded['verification_code']}")
    assert response.status_code == 200 and response.json["sha256"] == funded["sha256"]


def test_a_target_that_holds_data_is_refused_and_left_as_it_was(archive, target):
    _ok(target.cli("db", "upgrade"))
    _ok(target.cli("users", "create", "admin@agencia.mx", "--name", "Admin", "--role", "admin"))
    before = target.snapshot()
    result = target.cli("backup", "restore", str(archive))
    assert result.exit_code == 1
    assert "already holds data (users: 1 row)" in result.output
    assert "Nothing was changed" in result.output
    assert target.snapshot() == before


def test_restoring_over_the_source_itself_is_refused(source, archive):
    before = source.snapshot()
    result = source.cli("backup", "restore", str(archive))
    assert result.exit_code == 1 and "already holds data" in result.output
    assert source.snapshot() == before


def _alter_a_letter(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    index = next(i for i, (m, _) in enumerate(members) if m.name.startswith("files/letters/"))
    info, data = members[index]
    members[index] = (info, data[:-10] + b"0000000000")


def _drop_a_document(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    members.remove(next(m for m in members if m[0].name.startswith("files/documents/")))


def _add_a_stranger(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    members.append((tarfile.TarInfo("files/../../evil.pdf"), b"%PDF-1.4"))


@pytest.mark.parametrize(("change", "says"), [
    (_alter_a_letter, "does not match its manifest: files/letters/"),
    (_drop_a_document, "lacks 1 members its manifest lists (files/documents/"),
    (_add_a_stranger, "holds 'files/../../evil.pdf', which its manifest does not list"),
    (_edit_manifest(lambda m: m["files"].update({"../x.pdf": {"sha256": "0" * 64}})),
     "unsafe path: '../x.pdf'"),
], ids=["altered-letter", "missing-document", "extra-member", "unsafe-manifest"])
def test_a_tampered_archive_is_refused_and_changes_nothing(archive, target, tmp_path, change,
                                                           says):
    tampered = _repack(archive, tmp_path / "tampered.tar.gz", change)
    before = target.snapshot()
    result = target.cli("backup", "restore", str(tampered))
    assert result.exit_code == 1
    assert says in result.output and "Nothing was changed" in result.output
    assert target.snapshot() == before
    assert not (tmp_path / "evil.pdf").exists()


def test_a_truncated_archive_is_refused(archive, target, tmp_path):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    before = target.snapshot()
    result = target.cli("backup", "restore", str(cut))
    assert result.exit_code == 1 and "not a readable backup archive" in result.output
    assert target.snapshot() == before


def test_an_archive_from_newer_code_is_refused(archive, target, tmp_path):
    newer = _repack(archive, tmp_path / "newer.tar.gz", _edit_manifest(
        lambda m: m["database"].update(alembic_revision="f00dfeedbeef")))
    before = target.snapshot()
    result = target.cli("backup", "restore", str(newer))
    assert result.exit_code == 1
    assert "revision f00dfeedbeef is not among this code's migrations" in result.output
    assert "newer evalflow" in result.output
    assert target.snapshot() == before


def test_an_archive_of_the_other_database_kind_is_refused(archive, target, tmp_path, kind):
    other = OTHER[kind]

    def relabel(members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
        _edit_manifest(lambda m: m["database"].update(kind=other, member=MEMBER[other]))(members)
        index = next(i for i, (m, _) in enumerate(members) if m.name == MEMBER[kind])
        members[index][0].name = MEMBER[other]

    relabelled = _repack(archive, tmp_path / "other.tar.gz", relabel)
    before = target.snapshot()
    result = target.cli("backup", "restore", str(relabelled))
    assert result.exit_code == 1
    assert "restoring across databases is not supported" in result.output
    assert target.snapshot() == before


@pytest.mark.postgres
def test_sqlite_and_postgresql_backups_are_refused_by_each_other(tmp_path):
    _skip_unless_postgresql_answers()
    sites = {kind: _site(kind, tmp_path / kind, "cross") for kind in ("sqlite", "postgresql")}
    try:
        archives = {}
        for kind, site in sites.items():
            _ok(site.cli("db", "upgrade"))
            _ok(site.cli("users", "create", "a@agencia.mx", "--name", "A", "--role", "officer"))
            _ok(site.cli("backup", "create", str(tmp_path / f"{kind}.tar.gz")))
            archives[kind] = tmp_path / f"{kind}.tar.gz"
        for kind, site in sites.items():
            site.close()
            sites[kind] = _site(kind, tmp_path / f"{kind}-empty", "cross")
            before = sites[kind].snapshot()
            result = sites[kind].cli("backup", "restore", str(archives[OTHER[kind]]))
            assert result.exit_code == 1, result.output
            assert "restoring across databases is not supported" in result.output
            assert sites[kind].snapshot() == before
    finally:
        for site in sites.values():
            site.close()


def test_the_password_reaches_pg_dump_through_the_environment_only():
    url = make_url("postgresql+psycopg://ana:s3cr%27t@db.example:5433/evalflow?sslmode=require")
    conninfo, env = libpq_connection(url)
    assert conninfo == "host='db.example' port='5433' user='ana' dbname='evalflow' " \
        "sslmode='require'"
    assert env["PGPASSWORD"] == "s3cr't"
    socket, _ = libpq_connection(make_url("postgresql+psycopg://ana@/evalflow?host=/run/pg"))
    assert socket == "host='/run/pg' user='ana' dbname='evalflow'"

