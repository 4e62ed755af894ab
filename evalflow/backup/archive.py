"""The archive: `manifest.json` first, then the database and every file under `files/`, each
member checked against the manifest's SHA-256 when read back."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

FORMAT = "evalflow-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FILES = "files"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore refused or failed; the message tells the operator why."""


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def stored_files(files_dir: Path) -> dict[str, dict[str, Any]]:
    """Every file of the files folder by its stored name, with its SHA-256 and size. Names
    starting with a dot are temporary (a file being written) and left out."""
    found: dict[str, dict[str, Any]] = {}
    for folder, dirs, names in os.walk(files_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            path = Path(folder) / name
            if name.startswith(".") or path.is_symlink() or not path.is_file():
                continue
            stored = path.relative_to(files_dir).as_posix()
            found[stored] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    return found


def copy_beside(source: Path, target: Path) -> Path:
    """Copy `source` to a temporary name in `target`'s folder, synced; return that name."""
    fd, part = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise
    return Path(part)


def safe_name(name: str) -> PurePosixPath:
    """`name` as a relative path that stays inside the folder it is joined to, or refused."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts) \
            or "\\" in name:
        raise BackupError(f"the archive names an unsafe path: {name!r}")
    return path


# --- writing and reading archives -------------------------------------------------------


class HashingReader:
    """A file object that hashes what is read through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.digest = raw, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def write_archive(path: Path, manifest: dict[str, Any], dump: Path, files_dir: Path) -> None:
    """Write the archive to a temporary name beside `path`, then rename it: a reader never sees
    half an archive. Each member is hashed again as it is added and must match the manifest."""
    members = [(dump.name, dump, manifest["database"]["sha256"])]
    members += [(f"{FILES}/{name}", files_dir / name, entry["sha256"])
                for name, entry in manifest["files"].items()]
    fd, part = tempfile.mkstemp(dir=path.parent, prefix=".part-", suffix=".tar.gz")  # 0600
    try:
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6,
                              format=tarfile.PAX_FORMAT) as tar:
                text = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(text), 0o600
                info.mtime = int(datetime.fromisoformat(manifest["created_at"]).timestamp())
                tar.addfile(info, io.BytesIO(text))
                for name, source, digest in members:
                    info = tar.gettarinfo(source, arcname=name)
                    info.uid = info.gid = 0
                    info.uname = info.gname = ""
                    with source.open("rb") as handle:
                        reader = HashingReader(handle)
                        tar.addfile(info, reader)
                    if reader.digest.hexdigest() != digest:
                        raise BackupError(f"{source} changed while it was being backed up")
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(part, path)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise


@dataclass
class _ArchiveReader:
    tar: tarfile.TarFile
    path: Path

    def __enter__(self) -> tarfile.TarFile:
        return self.tar

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        self.tar.close()
        if isinstance(error, (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile)):
            raise BackupError(f"{self.path} is not a readable backup archive: {error}") from error


def open_archive(path: Path) -> _ArchiveReader:
    """Open an archive for reading; errors from a damaged one become a BackupError."""
    try:
        return _ArchiveReader(tarfile.open(path, "r:gz"), path)
    except (tarfile.TarError, gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise BackupError(f"{path} is not a readable backup archive: {error}") from error


def read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    """The archive's manifest, its first member, checked for shape."""
    member = tar.next()
    if member is None or member.name != MANIFEST or not member.isfile() \
            or member.size > 256 * 1024 * 1024:
        raise BackupError(f"the archive does not start with {MANIFEST}: not an evalflow backup")
    try:
        manifest = json.loads(tar.extractfile(member).read())  # type: ignore[union-attr]
        _expect(manifest.get("format") == FORMAT, "format")
        if manifest["format_version"] != FORMAT_VERSION:
            raise BackupError(f"the archive's format version is {manifest['format_version']}; "
                              f"this code reads version {FORMAT_VERSION}")
        database = manifest["database"]
        for key in ("kind", "member", "sha256", "alembic_revision"):
            _expect(isinstance(database[key], str), f"database.{key}")
        safe_name(database["member"])
        _expect(all(isinstance(n, int) for n in manifest["row_counts"].values()), "row_counts")
        for name, entry in manifest["files"].items():
            safe_name(name)
            _expect(isinstance(entry["sha256"], str), f"files.{name}")
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"the archive's {MANIFEST} is not a valid manifest ({error})") from None
    return manifest


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(f"bad or missing {what}")


def unpack(tar: tarfile.TarFile, manifest: dict[str, Any], staging: Path) -> None:
    """Extract every member after the manifest into `staging`, each checked against the
    manifest's SHA-256; refuse members it does not list and members it lists but are absent."""
    database = manifest["database"]
    expected = {database["member"]: database["sha256"]}
    expected.update({f"{FILES}/{name}": entry["sha256"]
                     for name, entry in manifest["files"].items()})
    seen: set[str] = set()
    while (member := tar.next()) is not None:
        name = member.name
        if name not in expected or name in seen or not member.isfile():
            raise BackupError(f"the archive holds {name!r}, which its manifest does not list")
        seen.add(name)
        target = staging / safe_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as out:
            reader = HashingReader(tar.extractfile(member))  # type: ignore[arg-type]
            shutil.copyfileobj(reader, out, CHUNK)  # type: ignore[misc]
        if reader.digest.hexdigest() != expected[name]:
            raise BackupError(
                f"the archive does not match its manifest: {name} has SHA-256 "
                f"{reader.digest.hexdigest()}, the manifest says {expected[name]} (the archive "
                "is damaged or was altered)")
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"the archive lacks {len(missing)} members its manifest lists "
                          f"({', '.join(missing[:3])}): it is incomplete")

