"""Real databases for tests: SQLite always, PostgreSQL when MINIBANK_TEST_DATABASE_URL is set.

SQLite: one migrated template file per run, copied for each test.
PostgreSQL: one database per run (so parallel runs do not collide), migrated
once and emptied between tests.
"""

import os
import shutil
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_base():
    """The URL of a migrated PostgreSQL database private to this test run."""
    if not PG_URL:
        require("PostgreSQL", "set MINIBANK_TEST_DATABASE_URL to run the PostgreSQL tests")
    admin_url = make_url(PG_URL)
    name = f"minibank_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - any connection failure means "not available"
        admin.dispose()
        require("PostgreSQL", f"cannot create a database at {admin_url.render_as_string()}: {error}")
    url = admin_url.set(database=name)
    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url.render_as_string(hide_password=False)
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
