"""Files kept on disk (uploads, letters) under generated names in one configurable folder.

The folder may be shared storage mounted on every app server; nothing else is kept locally.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from pathlib import Path

from flask import current_app


def files_dir() -> Path:
    """The folder holding uploads and letters."""
    return Path(current_app.config["FILES_DIR"])


def save_bytes(kind: str, data: bytes, suffix: str = ".pdf") -> str:
    """Write `data` under a new random name in the `kind` subfolder; return the stored name.

    The file is written to a temporary name first and renamed, so a reader never sees half.
    """
    folder = files_dir() / kind
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{kind}/{secrets.token_hex(16)}{suffix}"
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, files_dir() / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name


def read_bytes(stored_name: str) -> bytes:
    """The bytes of a stored file."""
    return path_of(stored_name).read_bytes()


def path_of(stored_name: str) -> Path:
    """The path of a stored file, refusing any name that would leave the folder."""
    root = files_dir().resolve()
    path = (root / stored_name).resolve()
    if root not in path.parents:
        raise ValueError("stored name outside the files folder")
    return path


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
