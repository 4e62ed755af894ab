"""Module-level tasks for the background-work tests: workers import them by name."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from evalflow.auth.models import User
from evalflow.extensions import db


def write_text(path: str, text: str) -> None:
    """Append a line to a file: shows the job ran, and how many times."""
    with Path(path).open("a", encoding="utf-8") as file:
        file.write(text + "\n")


def count_users(path: str) -> None:
    """Write how many users the job's own database session sees."""
    count = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    write_text(path, str(count))


def fail(reason: str) -> None:
    """A job that always fails."""
    raise RuntimeError(reason)
