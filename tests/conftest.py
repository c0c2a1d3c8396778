"""Test fixtures: the test API is `app`, `client`, `runner`, `db`, `make_user`, `make_account`."""

import os

import pytest

from minibank import create_app
from minibank.extensions import db as app_db

from .support.databases import (  # noqa: F401  (fixtures, re-exported for pytest)
    DATABASES,
    database_url,
    postgres_base,
    postgres_url,
    sqlite_template,
    sqlite_url,
)
from .support.factories import Factory
from .support.http import Auth
from .support.services import redis_url  # noqa: F401  (fixture, re-exported for pytest)


@pytest.fixture
def app(database_url, tmp_path, monkeypatch):  # noqa: F811  (the fixture imported above)
    """A fresh app on a migrated, empty database of each engine."""
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "RATELIMIT_ENABLED": False})
    yield app
    app_db.dispose()


@pytest.fixture
def db(app):
    """The bank's Database bound to the test app."""
    return app.extensions["minibank.db"]


@pytest.fixture
def client(app):
    """Flask's test client."""
    return app.test_client()


@pytest.fixture
def auth(client):
    """Log in and out through the real pages and API."""
    return Auth(client)


@pytest.fixture
def runner(app):
    """Flask's CLI runner for operator commands."""
    return app.test_cli_runner()


@pytest.fixture
def factory(db, app):
    """Makes users and funded accounts."""
    return Factory(db, currency=app.config["CURRENCY"])


@pytest.fixture
def make_user(factory):
    """make_user(email=..., role=...) -> User."""
    return factory.user


@pytest.fixture
def make_account(factory):
    """make_account(owner=None, balance=0, ...) -> Account; funded by a real deposit."""
    return factory.account


def pytest_report_header(config):
    """Say which engines this run covers."""
    return f"database engines: {', '.join(DATABASES)}; CI={os.environ.get('CI', '')!r}"
