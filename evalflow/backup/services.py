"""Backing up an instance and restoring a backup into an empty instance."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from evalflow.audit import ChainReport, verify_chain
from evalflow.backup.archive import (
    FILES,
    FORMAT,
    FORMAT_VERSION,
    BackupError,
    copy_beside,
    open_archive,
    read_manifest,
    sha256_file,
    stored_files,
    unpack,
    write_archive,
)
from evalflow.backup.databases import (
    DATABASE_MEMBER,
    KIND_NAMES,
    VERSION_TABLE,
    client,
    dump_postgresql,
    dump_sqlite,
    restore_postgresql,
    restore_sqlite,
    sqlite_path,
    state_of,
)


@dataclass(frozen=True)
class Instance:
    """Where an instance keeps its data, and the migrations its code knows."""

    database_url: str
    files_dir: Path
    migrations_dir: Path

    @property
    def url(self) -> URL:
        return make_url(self.database_url)

    @property
    def kind(self) -> str:
        backend = self.url.get_backend_name()
        if backend not in DATABASE_MEMBER:
            raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")
        return backend


def instance_of(app: Flask) -> Instance:
    """The configured instance of `app`."""
    return Instance(
        app.config["SQLALCHEMY_DATABASE_URI"],
        Path(app.config["FILES_DIR"]),
        Path(app.extensions["migrate"].directory),
    )


# --- backing up ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    """An archive written, its manifest, and the files rows refer to that were not found."""

    path: Path
    manifest: dict[str, Any]
    missing_files: list[str]

    def lines(self) -> list[str]:
        m, database = self.manifest, self.manifest["database"]
        files_size = sum(entry["size"] for entry in m["files"].values())
        lines = [
            f"Backup written to {self.path} ({_size(self.path.stat().st_size)}).",
            f"Database: {KIND_NAMES[database['kind']]} at schema revision "
            f"{database['alembic_revision']}, {sum(m['row_counts'].values()):,} rows in "
            f"{len(m['row_counts'])} tables; files: {len(m['files']):,} ({_size(files_size)}).",
        ]
        if self.missing_files:
            lines.append(
                f"Warning: {len(self.missing_files)} files the database refers to are not in the "
                f"files folder ({', '.join(self.missing_files[:3])}"
                f"{' …' if len(self.missing_files) > 3 else ''}): is EVALFLOW_FILES the app's?")
        return lines


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 100 * 1024 else f"{n / 1024:.1f} kB"


def _archive_path(destination: Path, now: datetime) -> Path:
    """`destination` itself when it names a .tar.gz file, else a stamped name in that folder."""
    if not destination.name.endswith((".tar.gz", ".tgz")) or destination.is_dir():
        destination = destination / f"evalflow-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz"
    destination.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if destination.exists():
        raise BackupError(f"{destination} already exists")
    return destination


def create_backup(instance: Instance, destination: Path) -> BackupResult:
    """Write one archive of the instance's database and files folder to `destination` (a file,
    or a folder to put `evalflow-backup-<UTC stamp>.tar.gz` in); safe while the app runs."""
    kind, now = instance.kind, datetime.now(UTC)
    path = _archive_path(destination, now)
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=path.parent) as staging:
        dump = Path(staging) / DATABASE_MEMBER[kind]
        dumper = dump_sqlite if kind == "sqlite" else dump_postgresql
        state = dumper(instance.url, dump)
        if state.revision is None:
            raise BackupError("the database has no evalflow schema: nothing to back up")
        # Files are written before the rows that name them and never removed, so every file
        # the dumped rows refer to is already in the folder when it is read after the dump.
        files = stored_files(instance.files_dir)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": now.isoformat(timespec="seconds"),
            "evalflow_version": _version(),
            "database": {
                "kind": kind,
                "member": dump.name,
                "source": instance.url.render_as_string(hide_password=True),
                "alembic_revision": state.revision,
                "sha256": sha256_file(dump),
                "size": dump.stat().st_size,
            },
            "row_counts": state.row_counts,
            "files": files,
        }
        write_archive(path, manifest, dump, instance.files_dir)
    missing = sorted(name for name in state.references if name not in files)
    return BackupResult(path, manifest, missing)


def _version() -> str | None:
    try:
        return metadata.version("evalflow")
    except metadata.PackageNotFoundError:
        return None


# --- restoring ----------------------------------------------------------------------------


@dataclass
class RestoreReport:
    """What a restore brought back, and what the checks after it found."""

    archive: Path
    manifest: dict[str, Any]
    upgrade_to: str | None = None  # this code's head, when the backup's schema is older
    files_restored: int = 0
    files_present: int = 0  # already in the files folder with the same content
    files_checked: int = 0  # files the restored rows refer to
    row_mismatches: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    file_problems: list[str] = field(default_factory=list)
    audit: ChainReport | None = None
    audit_error: str | None = None

    @property
    def ok(self) -> bool:
        problems = self.row_mismatches or self.file_problems or self.audit_error
        return not problems and bool(self.audit and self.audit.ok)

    def lines(self) -> list[str]:
        m, database = self.manifest, self.manifest["database"]
        lines = [f"Restored {self.archive.name} (made {m['created_at']}, "
                 f"{KIND_NAMES[database['kind']]}, schema revision "
                 f"{database['alembic_revision']})."]
        if self.row_mismatches:
            lines.append("Rows differ from the manifest: " + "; ".join(
                f"{table}: {expected} expected, {found} found"
                for table, (expected, found) in sorted(self.row_mismatches.items())))
        else:
            lines.append(f"Rows: {sum(m['row_counts'].values()):,} in {len(m['row_counts'])} "
                         "tables, as the manifest records.")
        lines.append(f"Files: {self.files_restored:,} restored, {self.files_present:,} already "
                     "there.")
        if self.file_problems:
            lines.append(f"Files the rows refer to that are wrong: {len(self.file_problems)} ("
                         + "; ".join(self.file_problems[:5]) + ").")
        else:
            lines.append(f"All {self.files_checked:,} files the rows refer to are present with "
                         "their recorded SHA-256.")
        if self.audit_error:
            lines.append(f"Audit trail not checked: {self.audit_error}")
        elif self.audit and self.audit.ok:
            lines.append(f"Audit trail intact: {self.audit.events} events, chain verified.")
        elif self.audit:
            lines.append(f"Audit trail broken at event {self.audit.first_bad_seq}: "
                         f"{self.audit.problem} ({self.audit.events} events intact before it).")
        if self.upgrade_to:
            lines.append(f"The backup's schema is older than this code's ({self.upgrade_to}): "
                         "run `flask --app evalflow db upgrade` next.")
        return lines


def restore_backup(instance: Instance, archive: Path) -> RestoreReport:
    """Restore `archive` into the instance, then check the rows against the manifest, the
    files against the rows and the audit chain.

    Refuses, changing nothing, when the archive is damaged or does not match its manifest,
    holds another kind of database or a schema newer than this code's migrations, when the
    target database holds data, or when a restored file would replace a different one.
    """
    kind = instance.kind
    instance.files_dir.mkdir(parents=True, exist_ok=True)
    # Staged in the files folder (writable, and the files' own file system); a backup skips it.
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=instance.files_dir) as tmp:
        staging = Path(tmp)
        try:
            with open_archive(archive) as tar:
                manifest = read_manifest(tar)
                upgrade_to = _check_compatible(manifest, kind, instance.migrations_dir)
                _check_target(instance, manifest)
                _check_files(instance.files_dir, manifest)
                unpack(tar, manifest, staging)
            if kind == "postgresql":
                client("pg_restore")
        except BackupError as refusal:
            raise BackupError(f"{refusal}. Nothing was changed.") from None
        report = RestoreReport(archive, manifest, upgrade_to)
        report.files_restored, report.files_present = _restore_files(
            staging / FILES, instance.files_dir, manifest)
        # Files first: were the database's restore to fail, they are harmless and identical
        # the next time; the database is replaced in one step (SQLite) or one transaction.
        staged = staging / manifest["database"]["member"]
        try:
            (restore_sqlite if kind == "sqlite" else restore_postgresql)(instance.url, staged)
        except BackupError as failure:
            raise BackupError(f"{failure}. The database was left as it was; the files restored "
                              "are kept and a new attempt reuses them.") from None
    _verify(instance, manifest, report)
    return report


def _check_compatible(manifest: dict[str, Any], kind: str, migrations_dir: Path) -> str | None:
    archived = manifest["database"]["kind"]
    if archived != kind or manifest["database"]["member"] != DATABASE_MEMBER[kind]:
        raise BackupError(
            f"the archive holds a {KIND_NAMES.get(archived, archived)} database and this "
            f"instance uses {KIND_NAMES[kind]}: restoring across databases is not supported; "
            f"restore it into an instance on {KIND_NAMES.get(archived, archived)}")
    script = ScriptDirectory(str(migrations_dir))
    known = {revision.revision for revision in script.walk_revisions()}
    revisions = set(manifest["database"]["alembic_revision"].split(","))
    if revisions - known:
        raise BackupError(
            f"the archive's schema revision {', '.join(sorted(revisions - known))} is not among "
            "this code's migrations: it was made by a newer evalflow; restore it with that one")
    heads = set(script.get_heads())
    return None if revisions == heads else ",".join(sorted(heads))


def _check_target(instance: Instance, manifest: dict[str, Any]) -> None:
    if instance.kind == "sqlite":
        path = sqlite_path(instance.url)
        if not path.exists() or path.stat().st_size == 0:
            return
    try:
        state = state_of(instance.url)
    except sa.exc.SQLAlchemyError as error:
        raise BackupError(f"cannot read the target database: {error.orig or error}") from None
    holding = {t: n for t, n in state.row_counts.items() if n and t != VERSION_TABLE}
    if holding:
        raise BackupError(
            "the target database already holds data (" + ", ".join(
                f"{table}: {n:,} row{'s' if n > 1 else ''}"
                for table, n in sorted(holding.items())[:4])
            + (" …" if len(holding) > 4 else "") + "); restore into an empty database: a new "
            "one, or one just built by `flask --app evalflow db upgrade`")
    extra = set(state.row_counts) - set(manifest["row_counts"])
    if extra and instance.kind == "postgresql":
        raise BackupError(
            f"the target database has tables the backup lacks ({', '.join(sorted(extra))}): "
            "restore into a new, empty database, then run `flask --app evalflow db upgrade`")


def _check_files(files_dir: Path, manifest: dict[str, Any]) -> None:
    clashes = [
        name for name, entry in manifest["files"].items()
        if (files_dir / name).exists() and (
            not (files_dir / name).is_file()
            or sha256_file(files_dir / name) != entry["sha256"])
    ]
    if clashes:
        raise BackupError(
            f"{len(clashes)} files in {files_dir} have the names of different files in the "
            f"archive ({', '.join(clashes[:3])}); restore into an empty files folder")


def _restore_files(staged: Path, files_dir: Path, manifest: dict[str, Any]) -> tuple[int, int]:
    restored = present = 0
    for name in manifest["files"]:
        target = files_dir / name
        if target.exists():  # the same content: checked before anything changed
            present += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(copy_beside(staged / name, target), target)
        restored += 1
    return restored, present


def _verify(instance: Instance, manifest: dict[str, Any], report: RestoreReport) -> None:
    state = state_of(instance.url)
    tables = set(manifest["row_counts"]) | set(state.row_counts)
    for table in sorted(tables):
        expected, found = manifest["row_counts"].get(table), state.row_counts.get(table)
        if expected != found:
            report.row_mismatches[table] = (expected, found)
    report.files_checked = len(state.references)
    for name, digest in sorted(state.references.items()):
        path = instance.files_dir / name
        if not path.is_file():
            report.file_problems.append(f"{name} is missing")
        elif sha256_file(path) != digest:
            report.file_problems.append(f"{name} does not match its recorded SHA-256")
    engine = sa.create_engine(instance.url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            report.audit = verify_chain(session)
    except sa.exc.SQLAlchemyError as error:  # a schema older than the code's models
        report.audit_error = str(error).splitlines()[0]
    finally:
        engine.dispose()
