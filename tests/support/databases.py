"""Real databases for tests: SQLite always, PostgreSQL when MINIBANK_TEST_DATABASE_URL is set.

SQLite: one migrated template file per run, copied for each test.
PostgreSQL: one database per run (so parallel runs do not collide), made on the
server MINIBANK_TEST_DATABASE_URL names (its own database need not exist), migrated
once, emptied between tests and dropped at the end.
"""

import os
import shutil
import uuid

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from minibank import migrate
from minibank.models import metadata

from .services import in_ci, require

PG_URL = os.environ.get("MINIBANK_TEST_DATABASE_URL") or (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test" if in_ci() else None
)
DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file to copy for each test."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    # Migrations that rebuild a table (SQLite's batch mode) leave free pages behind: compacted, a
    # copy has no room to spare, so the full-disk tests' cap on its size really stops the next write.
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM")
    engine.dispose()
    return path


# Where to go when the URL's own database does not exist: every server has one of these.
MAINTENANCE_DATABASES = ("postgres", "template1")


def _admin_engine(url: URL) -> Engine:
    """An autocommit engine on the URL's database, else on a maintenance database of the same server."""
    first_error = None
    for name in dict.fromkeys((url.database, *MAINTENANCE_DATABASES)):
        engine = create_engine(url.set(database=name), isolation_level="AUTOCOMMIT")
        try:
            engine.connect().close()
            return engine
        except OperationalError as error:
            engine.dispose()
            first_error = first_error or error
    raise first_error


@pytest.fixture(scope="session")
def postgres_base():
    """The URL of a migrated PostgreSQL database private to this test run, dropped at its end.

    The server is the one MINIBANK_TEST_DATABASE_URL names; its database need not exist,
    only a role that may create databases.
    """
    if not PG_URL:
        require("PostgreSQL", "set MINIBANK_TEST_DATABASE_URL to run the PostgreSQL tests")
    url = make_url(PG_URL)
    # The process id ties a database left by a killed run to that run.
    name = f"minibank_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        admin = _admin_engine(url)
    except OperationalError as error:
        require("PostgreSQL", f"cannot reach {url.render_as_string()}: {str(error.orig).strip()}")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError as error:
        admin.dispose()
        require("PostgreSQL", f"cannot create a database as {url.username}: {str(error.orig).strip()}")
    private = url.set(database=name)
    try:
        engine = create_engine(private)
        migrate.upgrade(engine)
        engine.dispose()
        yield private.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def database_url_for(kind: str, request, tmp_path) -> str:
    """A fresh, migrated, empty database of the given engine."""
    if kind == "sqlite":
        path = tmp_path / "bank.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_base")
    _truncate_postgres(url)
    return url


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """Each test that uses the database runs once per engine."""
    return database_url_for(request.param, request, tmp_path)


@pytest.fixture
def sqlite_url(request, tmp_path):
    """A fresh SQLite database only."""
    return database_url_for("sqlite", request, tmp_path)


@pytest.fixture
def postgres_url(request, tmp_path):
    """A fresh PostgreSQL database only."""
    return database_url_for("postgresql", request, tmp_path)
