"""Backups of an instance: its database and its files folder in one archive, and restoring one
into an empty instance (`flask --app evalflow backup create|restore`; docs/backup.md).

An archive (`evalflow-backup-<UTC stamp>.tar.gz`) holds `manifest.json` first, then the
database and every file of the files folder under `files/`. The database is a consistent copy
made with SQLite's online backup API (`database.sqlite3`) or `pg_dump --format=custom` run in
the snapshot the manifest's row counts were read in (`database.pgdump`). The manifest records
the format, when, the database kind, the schema's Alembic revision, the rows of every table
and the SHA-256 of every other member. Restoring checks all of it, and that the target holds
no data, before changing anything.
"""

from evalflow.backup.archive import BackupError
from evalflow.backup.databases import libpq_connection
from evalflow.backup.services import (
    BackupResult,
    Instance,
    RestoreReport,
    create_backup,
    instance_of,
    restore_backup,
)

__all__ = [
    "BackupError", "BackupResult", "Instance", "RestoreReport", "create_backup", "instance_of",
    "libpq_connection", "restore_backup",
]
