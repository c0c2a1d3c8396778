"""Engines per dialect, one-transaction units of work, and retry on lock conflicts."""

import random
import re
import select
import sqlite3
import time
from datetime import datetime, timezone
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from typing import TypeVar

import psycopg
import structlog
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from .domain.errors import Busy, OutcomeUnknown
from .ops.metrics import DB_RETRIES
from .group_commit import GroupCommit
from .writer_queue import WriterQueue

T = TypeVar("T")
log = structlog.get_logger("minibank.db")

MAX_ATTEMPTS = 8
SQLITE_BUSY_TIMEOUT_MS = 10_000

# PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, lock not available.
_PG_RETRYABLE = {"40001", "40P01", "55P03"}


def driver_sql(sql: str) -> dict[str, str]:
    """A statement in each driver's parameter style (sqlite3 ``:name``, psycopg ``%(name)s``)."""
    return {"sqlite": sql, "postgresql": re.sub(r"(?<![:\w]):([a-z_]+)", r"%(\1)s", sql)}


def bind_time(dialect: str, moment: datetime):
    """A datetime as the driver should receive it: SQLite gets SQLAlchemy's naive UTC text."""
    if dialect != "sqlite":
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def read_time(value) -> datetime:
    """An aware UTC datetime from what either driver returns."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class RetryableConflict(Exception):
    """Raised inside a unit of work to ask for the whole transaction to run again."""


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """Create the engine with the settings the ledger needs on this dialect."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    # No pre-ping (a round trip per checkout): a dead connection fails the first
    # statement instead, and write_raw retries only work that cannot have committed.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)


def prepare_sqlite_connection(dbapi_connection: sqlite3.Connection) -> None:
    """The settings every SQLite connection of the bank runs with (WAL, full durability, foreign keys)."""
    dbapi_connection.isolation_level = None  # BEGIN is ours to issue, not the driver's
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _configure_sqlite(engine: Engine) -> None:
    # SQLAlchemy's documented pysqlite recipe: take over BEGIN from the driver so
    # that write transactions can start with BEGIN IMMEDIATE and never hit a
    # lock-upgrade deadlock halfway through.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        prepare_sqlite_connection(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("minibank_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


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


def _is_disconnect(error: BaseException, driver_connection) -> bool:
    if isinstance(error, psycopg.OperationalError):
        return bool(driver_connection.broken or driver_connection.closed)
    return False


class Database:
    """The bank's database: an engine plus the unit-of-work helpers services use."""

    def __init__(self, url: str | None = None, **engine_options):
        self.engine: Engine | None = None
        self._writers: WriterQueue | None = None
        self._batches: GroupCommit | None = None
        # SQLite under `minibank serve`: the writer process's client (ops/sqlite_writer.py).
        self.writer = None
        if url:
            self._bind(make_engine(url, **engine_options))

    def init_app(self, app) -> None:
        """Bind to the app's configured database."""
        self._bind(make_engine(app.config["DATABASE_URL"], pool_size=app.config["DB_POOL_SIZE"]))
        app.extensions["minibank.db"] = self

    def _bind(self, engine: Engine) -> None:
        self.engine = engine
        path = engine.url.database if engine.dialect.name == "sqlite" else None
        self._writers = WriterQueue(f"{path}-writers") if path and path != ":memory:" else None
        self._batches = GroupCommit(self._sqlite_transaction) if self._writers else None

    @property
    def sqlite_path(self) -> str | None:
        """The SQLite database file; None on PostgreSQL or in memory."""
        return self.engine.url.database if self._writers else None

    def _write_turn(self):
        """SQLite: wait for the one write turn in the queue; PostgreSQL locks rows instead."""
        return self._writers.turn() if self._writers else nullcontext()

    @contextmanager
    def _sqlite_transaction(self):
        """SQLite: one write transaction on a driver connection, committed when the block ends."""
        with self._write_turn():
            fairy = self.engine.raw_connection()
            driver = fairy.driver_connection
            try:
                driver.execute("BEGIN IMMEDIATE")
                yield driver
                driver.commit()
            except BaseException:
                _rollback(driver)
                raise
            finally:
                fairy.close()

    @property
    def dialect(self) -> str:
        """The engine's dialect name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def write(
        self,
        work: Callable[[Connection], T],
        *,
        attempts: int = MAX_ATTEMPTS,
        retry_unique: tuple[str, ...] = (),
    ) -> T:
        """Run ``work`` in one write transaction; commit on return, roll back on any error.

        Lock conflicts roll back and run the whole of ``work`` again, a bounded
        number of times, then answer Busy (503) rather than a server error.
        """
        def once() -> T:
            with self._write_turn(), self.engine.connect() as conn:
                conn.execution_options(minibank_write=True)
                with conn.begin():
                    return work(conn)

        return _retrying(once, attempts, retry_unique)

    def write_raw(
        self,
        work: Callable[[object, str], T],
        *,
        attempts: int = MAX_ATTEMPTS,
        retry_unique: tuple[str, ...] = (),
    ) -> T:
        """Like write(), but ``work(driver_connection, dialect)`` talks to psycopg or sqlite3 directly.

        For the hot path only. A lost connection is retried only while nothing can have
        committed; if it is lost during COMMIT the outcome is unknown and the caller is
        told so (an idempotency key makes the retry safe).
        """
        dialect = self.dialect
        if self._batches is not None:
            return _retrying(lambda: self._batches.run(lambda conn: work(conn, dialect)), attempts, retry_unique)
        for attempt in range(1, attempts + 1):
            with self._write_turn():
                fairy = self.engine.raw_connection()
                driver = fairy.driver_connection
                committing = False
                try:
                    if dialect == "sqlite":
                        driver.execute("BEGIN IMMEDIATE")
                    result = work(driver, dialect)
                    committing = True
                    driver.commit()
                    return result
                except BaseException as error:
                    if _is_disconnect(error, driver):
                        fairy.invalidate()
                        if committing:
                            raise OutcomeUnknown() from error
                        retry = True
                    else:
                        _rollback(driver)
                        retry = isinstance(error, Exception) and is_retryable(error, retry_unique)
                    if not retry:
                        raise
                    _count_retry(error, attempt, attempts)
                finally:
                    fairy.close()
            _backoff(attempt)
        raise AssertionError("unreachable")

    def write_once(
        self, work: Callable[[object], T], *, attempts: int = MAX_ATTEMPTS, retry_unique: tuple[str, ...] = ()
    ) -> T:
        """PostgreSQL: run ``work(psycopg_connection)``, one statement that commits by itself.

        One round trip instead of BEGIN, statements and COMMIT. A lock conflict rolls the
        statement back and runs it again; a connection lost while it runs leaves the outcome
        unknown (OutcomeUnknown), so a connection the server has already closed is
        discarded before use rather than found dead mid-statement.
        """
        for attempt in range(1, attempts + 1):
            fairy = self.engine.raw_connection()
            driver = fairy.driver_connection
            try:
                if _closed_by_server(driver):
                    fairy.invalidate()
                    continue
                driver.autocommit = True
                return work(driver)
            except psycopg.Error as error:
                if _is_disconnect(error, driver):
                    fairy.invalidate()
                    raise OutcomeUnknown() from error
                if not is_retryable(error, retry_unique):
                    raise
                _count_retry(error, attempt, attempts)
            finally:
                if not driver.closed:
                    driver.autocommit = False
                fairy.close()
            _backoff(attempt)
        raise Busy()

    def read_raw(self, work: Callable[[object, str], T]) -> T:
        """Run ``work(driver_connection, dialect)`` for single-statement reads on the hot path.

        In autocommit mode: no BEGIN and COMMIT round trips around one SELECT.
        """
        fairy = self.engine.raw_connection()
        driver = fairy.driver_connection
        postgres = self.dialect == "postgresql"
        try:
            if postgres:
                driver.autocommit = True
            return work(driver, self.dialect)
        finally:
            if postgres and not driver.closed:
                driver.autocommit = False
            fairy.close()

    def read(self, work: Callable[[Connection], T], *, snapshot: bool = False) -> T:
        """Run ``work`` in one read transaction; ``snapshot`` makes every statement see the same data."""
        with self.engine.connect() as conn:
            if snapshot and conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                return work(conn)

    def renew_locks(self) -> None:
        """Make the write queue's, the batches' and the writer client's locks anew, in this process."""
        for part in (self._writers, self._batches, self.writer):
            if part is not None:
                part.renew()

    def dispose(self) -> None:
        """Close every pooled connection (after a fork, or at shutdown)."""
        if self.engine is not None:
            self.engine.dispose()


def _retrying(once: Callable[[], T], attempts: int, retry_unique: tuple[str, ...]) -> T:
    """Run ``once`` again after a retryable conflict (nothing of it committed), up to ``attempts`` times."""
    for attempt in range(1, attempts + 1):
        try:
            return once()
        except (DBAPIError, sqlite3.Error, RetryableConflict) as error:
            if not is_retryable(error, retry_unique):
                raise
            _count_retry(error, attempt, attempts)
            _backoff(attempt)
    raise AssertionError("unreachable")


def _count_retry(error: BaseException, attempt: int, attempts: int) -> None:
    """Count and log a retry; after the last attempt, give up as Busy (503)."""
    DB_RETRIES.inc()
    log.info("db.retry", attempt=attempt, error=type(error).__name__)
    if attempt == attempts:
        raise Busy() from error


def _backoff(attempt: int) -> None:
    time.sleep(min(0.002 * 2**attempt, 0.2) * random.random())


def _closed_by_server(driver) -> bool:
    """An idle connection with something to read has been told goodbye (server restart, idle timeout)."""
    ready, _, _ = select.select([driver.pgconn.socket], [], [], 0)
    return bool(ready)


def _rollback(driver) -> None:
    try:
        driver.rollback()
    except (psycopg.Error, sqlite3.Error):
        pass  # the connection is already unusable; the pool discards it
