"""The PostgreSQL tests need only a server: they make their database, whatever the URL names, and drop it after."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ..support.databases import PG_URL

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
MISSING = "minibank_nonexistent_xyz"
ONE_TEST = "tests/integration/test_cli_users.py::test_a_password_is_never_an_argument[postgresql]"


def database_names(postgres_base: str) -> set[str]:
    """Every database on the server, read through the run's own."""
    engine = create_engine(postgres_base)
    with engine.connect() as conn:
        names = set(conn.execute(text("SELECT datname FROM pg_database")).scalars())
    engine.dispose()
    return names


def test_a_url_naming_a_missing_database_still_runs_the_tests_and_leaves_nothing(postgres_base):
    url = make_url(PG_URL).set(database=MISSING).render_as_string(hide_password=False)
    env = {**os.environ, "CI": "true", "MINIBANK_TEST_DATABASE_URL": url}
    child = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_TEST],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = child.communicate(timeout=300)[0]
    assert child.returncode == 0 and "1 passed" in output, output
    names = database_names(postgres_base)
    assert MISSING not in names
    assert not [name for name in names if name.startswith(f"minibank_test_{child.pid}_")], names
