"""/healthz and /readyz: ready only when the database answers and is migrated; a Redis down is "degraded"."""

import os

import pytest
from sqlalchemy import create_engine

from minibank import create_app, migrate
from minibank.extensions import db as app_db

from ..support.services import require

CLOSED_PORT_PG = "postgresql+psycopg://postgres@127.0.0.1:1/x"


@pytest.fixture
def app_on(tmp_path, monkeypatch):
    """app_on(database_url, **config): an app on any database, migrated or not."""
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "instance"))
    yield lambda url, **config: create_app({"TESTING": True, "DATABASE_URL": url, **config})
    app_db.dispose()


def readyz(app):
    response = app.test_client().get("/readyz")
    assert response.is_json
    return response.status_code, response.get_json()


def test_healthz_touches_nothing(app_on):
    assert app_on(CLOSED_PORT_PG).test_client().get("/healthz").get_json() == {"status": "ok"}


def test_ready_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok", "checks": {"database": "ok"}})


def test_unreachable_database_answers_503_at_once(app_on):
    assert readyz(app_on(CLOSED_PORT_PG)) == (503, {"status": "unavailable", "checks": {"database": "unreachable"}})


def test_ready_again_when_the_database_comes_back(app_on, tmp_path):
    path = tmp_path / "later" / "bank.db"
    app = app_on(f"sqlite:///{path}")
    assert readyz(app)[1]["checks"] == {"database": "unreachable"}
    path.parent.mkdir()
    assert readyz(app) == (503, {"status": "unavailable", "checks": {"database": "not migrated"}})
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0001")
    assert readyz(app)[1]["checks"] == {"database": "not migrated"}  # behind the newest revision
    migrate.upgrade(engine)
    engine.dispose()
    assert readyz(app) == (200, {"status": "ok", "checks": {"database": "ok"}})


def test_unreachable_redis_is_degraded_but_keeps_the_instance_in_rotation(app_on, sqlite_url):
    status, body = readyz(app_on(sqlite_url, REDIS_URL="redis://127.0.0.1:1/0"))
    assert (status, body) == (
        200,
        {"status": "degraded", "checks": {"database": "ok", "redis": "unreachable", "limits": "per-process"}},
    )


def test_reachable_redis_is_ready(app_on, sqlite_url):
    url = os.environ.get("MINIBANK_TEST_REDIS_URL")
    if not url:
        require("Redis", "set MINIBANK_TEST_REDIS_URL to run the Redis tests")
    assert readyz(app_on(sqlite_url, REDIS_URL=url)) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "redis": "ok"}},
    )


def test_a_database_a_newer_release_migrated_keeps_this_release_ready(app_on, sqlite_url):
    # A rolling upgrade: the new release ran `minibank db upgrade`; old instances stay in service.
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'f00d'")
    engine.dispose()
    assert readyz(app_on(sqlite_url)) == (200, {"status": "ok", "checks": {"database": "ok"}})
