"""An unmigrated database answers 503 with the reason, never 500, on either engine."""

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from minibank import create_app
from minibank.extensions import db as app_db

from ..support.databases import PG_URL, _admin_engine
from ..support.services import require


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """A database with no tables at all."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not PG_URL:
        require("PostgreSQL", "set MINIBANK_TEST_DATABASE_URL to run the PostgreSQL tests")
    admin, name = _admin_engine(make_url(PG_URL)), f"minibank_empty_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    app_db.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_login_on_an_unmigrated_database_is_503_with_the_reason(empty_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "instance"))
    client = create_app({"TESTING": True, "DATABASE_URL": empty_url}).test_client()
    response = client.post("/api/v1/auth/token", json={"email": "a@example.com", "password": "x" * 12})
    problem = response.get_json()
    assert response.status_code == 503 and response.headers["Retry-After"], problem
    assert problem["code"] == "unavailable" and "not migrated" in problem["detail"]
    page = client.post("/login", data={"email": "a@example.com", "password": "x" * 12})
    assert page.status_code in (400, 503)  # the form's CSRF check may come first; never a 500
    app_db.dispose()
