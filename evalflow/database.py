"""Declarative base, column types for time and money, and per-connection database set-up."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; constraint names are stable so migrations can refer to them."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A time-zone aware instant, stored in UTC on every database.

    SQLite has no time zone type and would hand back naive values; this type refuses naive
    input and always returns aware UTC datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; times must be time-zone aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """An amount with two decimal places, always `Decimal` in Python.

    PostgreSQL stores NUMERIC(14, 2). SQLite has no exact decimal type (its NUMERIC becomes a
    binary float, so a sum can land a cent off a budget's edge), so there the column holds
    integer cents and every comparison and sum in SQL stays exact.
    """

    impl = sa.Numeric(14, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.BigInteger())
        return dialect.type_descriptor(sa.Numeric(14, 2))

    def process_bind_param(self, value: Decimal | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal) or not value.is_finite():
            raise TypeError("money must be a finite Decimal")
        value = value.quantize(CENT)
        return int(value * 100) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-2)  # exact: cents to units, two places
        return Decimal(value).quantize(CENT)


CENT = Decimal("0.01")


def utcnow() -> datetime:
    """The current instant, time-zone aware."""
    return datetime.now(UTC)


# Concurrency on PostgreSQL: transactions run at READ COMMITTED and every rule that reads
# then writes is guarded by a row lock or a conditional UPDATE, not by SERIALIZABLE. Each
# guarded invariant has one obvious row to lock (the proposal for submit and the letter
# folio, the call for the budget and assignment, the audit head last), taken in a fixed
# order, so conflicting requests wait a few milliseconds and then succeed or fail on the
# rule itself. SERIALIZABLE would abort them with serialization failures instead, which
# every web request, API call and job would have to catch and retry, and it would turn
# unrelated reads (the ranking, the dashboard) into conflicts. The budget needs no lock at
# all: `UPDATE calls SET awarded_total = awarded_total + x WHERE … <= total_budget` is atomic.
#
# Whether the unit of work now starting will write. On SQLite a writing transaction starts
# with BEGIN IMMEDIATE, taking the write lock before it reads anything: otherwise two
# transactions can both read, then one fails to upgrade its lock (or, worse, both pass a
# read-then-check in Python). Reads keep a plain deferred BEGIN so they never queue.
_writes: ContextVar[bool] = ContextVar("evalflow_writes", default=False)


def set_write_intent(writes: bool) -> None:
    """Declare whether the transactions started from now on in this context will write."""
    _writes.set(writes)


@contextmanager
def write_intent() -> Iterator[None]:
    """Run a block whose transactions write (CLI commands, background jobs)."""
    token = _writes.set(True)
    try:
        yield
    finally:
        _writes.reset(token)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Hand transaction control to SQLAlchemy's "begin" event below.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn: sa.Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _writes.get() else "BEGIN")
