"""Engines per dialect, one-transaction units of work, and retry on lock conflicts."""

import sqlite3
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from .store.deadlines import connect_options
from .store.driver import RetryableConflict, backoff, count_retry, is_retryable
from .store.ledger import Ledger
from .writer_queue import WriterQueue

T = TypeVar("T")

MAX_ATTEMPTS = 8
SQLITE_BUSY_TIMEOUT_MS = 10_000
# A read without a snapshot runs each statement on its own: no BEGIN and COMMIT round trips
# around one SELECT. SQLite's driver never begins by itself (see _configure_sqlite).
_AUTOCOMMIT: dict[str, dict[str, Any]] = {
    "postgresql": {"isolation_level": "AUTOCOMMIT"},
    "sqlite": {"minibank_autocommit": True},
}


# How long a request may wait for one of the pool's connections before it is answered 503.
POOL_TIMEOUT_SECONDS = 5


def make_engine(url: str, *, pool_size: int = 5, lock_timeout_ms: int = 0, statement_timeout_ms: int = 0) -> Engine:
    """Create the engine with the settings the ledger needs on this dialect (deadlines: PostgreSQL, 0 for none)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    # No pre-ping (a round trip per checkout): a dead connection fails the first
    # statement instead, and the ledger engine retries only work that cannot have committed.
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        connect_args=connect_options(lock_timeout_ms=lock_timeout_ms, statement_timeout_ms=statement_timeout_ms),
    )


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
        options = conn.get_execution_options()
        if not options.get("minibank_autocommit", False):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get("minibank_write", False) else "BEGIN")


class Database:
    """The bank's database: an engine and two verbs, ``read`` and ``write``."""

    def __init__(self, url: str | None = None, **engine_options):
        self._engine: Engine | None = None
        self._writers: WriterQueue | None = None
        self._ledger: Ledger | None = None
        if url:
            self._bind(make_engine(url, **engine_options))

    def init_app(self, app) -> None:
        """Bind to the app's configured database."""
        config = app.config
        self._bind(
            make_engine(
                config["DATABASE_URL"],
                pool_size=config["DB_POOL_SIZE"],
                lock_timeout_ms=config["DB_LOCK_TIMEOUT_MS"],
                statement_timeout_ms=config["DB_STATEMENT_TIMEOUT_MS"],
            )
        )
        app.extensions["minibank.db"] = self

    def _bind(self, engine: Engine) -> None:
        self._engine = engine
        path = engine.url.database if engine.dialect.name == "sqlite" else None
        self._writers = WriterQueue(f"{path}-writers") if path and path != ":memory:" else None
        self._ledger = Ledger(self)

    @property
    def engine(self) -> Engine:
        """The bound engine; an error before ``init_app`` (or a URL) bound one."""
        if self._engine is None:
            raise RuntimeError("the database is not bound to an engine yet: give it a URL or call init_app")
        return self._engine

    @property
    def ledger(self) -> Ledger:
        """The ledger engine (store/ledger.py): every movement of money goes through it."""
        if self._ledger is None:
            raise RuntimeError("the database is not bound to an engine yet: give it a URL or call init_app")
        return self._ledger

    @property
    def display_url(self) -> str:
        """The database's URL as it may be shown: the password masked."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def sqlite_path(self) -> str | None:
        """The SQLite database file; None on PostgreSQL or in memory."""
        return self.engine.url.database if self._writers else None

    def write_turn(self):
        """SQLite: wait for the one write turn in the queue; PostgreSQL locks rows instead."""
        return self._writers.turn() if self._writers else nullcontext()

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
            with self.write_turn(), self.engine.connect() as conn:
                conn.execution_options(minibank_write=True)
                with conn.begin():
                    return work(conn)

        return _retrying(once, attempts, retry_unique)

    def read(self, work: Callable[[Connection], T], *, snapshot: bool = False) -> T:
        """Run ``work``, which only reads: each statement on its own, or all in one ``snapshot``.

        Without ``snapshot`` (autocommit) two statements may see different commits; with it,
        every statement sees the same data.
        """
        with self.engine.connect() as conn:
            if not snapshot:
                conn.execution_options(**_AUTOCOMMIT[conn.dialect.name])
                return work(conn)
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                return work(conn)

    def renew_locks(self) -> None:
        """Make the write queue's and the ledger engine's locks anew, in this process."""
        for part in (self._writers, self._ledger):
            if part is not None:
                part.renew()

    def dispose(self) -> None:
        """Close every pooled connection (after a fork, or at shutdown)."""
        if self._engine is not None:
            self._engine.dispose()


def _retrying(once: Callable[[], T], attempts: int, retry_unique: tuple[str, ...]) -> T:
    """Run ``once`` again after a retryable conflict (nothing of it committed), up to ``attempts`` times."""
    for attempt in range(1, attempts + 1):
        try:
            return once()
        except (DBAPIError, sqlite3.Error, RetryableConflict) as error:
            if not is_retryable(error, retry_unique):
                raise
            count_retry(error, attempt, attempts)
            backoff(attempt)
    raise AssertionError("unreachable")
