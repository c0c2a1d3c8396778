"""Driver-level helpers shared by the ledger engine and the Database: parameters, times, conflicts."""

import random
import re
import select
import sqlite3
import time
from datetime import UTC, datetime

import psycopg
import structlog
from sqlalchemy.exc import DBAPIError

from ..domain.errors import Busy
from ..metrics import DB_RETRIES

log = structlog.get_logger("minibank.db")

# PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock. (A lock not available
# is a deadline that passed, store/deadlines.py: running it again would only wait again.)
_PG_RETRYABLE = {"40001", "40P01"}


def driver_sql(sql: str) -> dict[str, str]:
    """A statement in each driver's parameter style (sqlite3 ``:name``, psycopg ``%(name)s``)."""
    return {"sqlite": sql, "postgresql": re.sub(r"(?<![:\w]):([a-z_]+)", r"%(\1)s", sql)}


def pg_array(values) -> str:
    """A list as PostgreSQL's array text (ints, text or None), for a parameter cast to an array type.

    The server parses it in C; psycopg dumps a list parameter element by element in Python,
    about a microsecond and a half each.
    """
    return "{" + ",".join(_pg_element(value) for value in values) + "}"


def _pg_element(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        # Quoted, a backslash before each quote and backslash: every other character stands for itself.
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"no array element of {type(value).__name__}")


def bind_time(dialect: str, moment: datetime):
    """A datetime as the driver should receive it: SQLite gets SQLAlchemy's naive UTC text."""
    if dialect != "sqlite":
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def read_time(value) -> datetime:
    """An aware UTC datetime from what either driver returns."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class RetryableConflict(Exception):
    """Raised inside a unit of work to ask for the whole transaction to run again."""


def is_retryable(error: BaseException, unique: tuple[str, ...] = ()) -> bool:
    """True for lock conflicts that a fresh attempt of the same transaction may pass.

    ``unique`` names unique constraints (or SQLite's "table.column" wording) whose
    violation means a concurrent writer won a race the next attempt will see.
    Accepts SQLAlchemy's wrapped errors and the drivers' own.
    """
    if isinstance(error, RetryableConflict):
        return True
    orig = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(orig, (sqlite3.IntegrityError, psycopg.IntegrityError)):
        return any(name in str(orig) for name in unique)
    if isinstance(orig, psycopg.Error):
        return orig.sqlstate in _PG_RETRYABLE
    if isinstance(orig, sqlite3.OperationalError):
        message = str(orig).lower()
        return "database is locked" in message or "database is busy" in message
    return False


def count_retry(error: BaseException, attempt: int, attempts: int) -> None:
    """Count and log a retry; after the last attempt, give up as Busy (503)."""
    DB_RETRIES.inc()
    log.info("db.retry", attempt=attempt, error=type(error).__name__)
    if attempt == attempts:
        raise Busy() from error


def backoff(attempt: int) -> None:
    """Sleep a little, randomly, longer after each attempt."""
    time.sleep(min(0.002 * 2**attempt, 0.2) * random.random())


def closed_by_server(driver) -> bool:
    """An idle connection with something to read has been told goodbye (server restart, idle timeout)."""
    ready, _, _ = select.select([driver.pgconn.socket], [], [], 0)
    return bool(ready)


def rollback(driver) -> None:
    """Roll back, ignoring a connection that is already unusable."""
    try:
        driver.rollback()
    except (psycopg.Error, sqlite3.Error):
        pass  # the connection is already unusable; the pool discards it
