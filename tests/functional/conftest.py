"""HTTP tests run on SQLite; engine-specific behaviour is covered in integration/."""

import pytest


@pytest.fixture
def database_url(sqlite_url):
    """Functional tests use a fresh SQLite database (ask for postgres_url explicitly when needed)."""
    return sqlite_url
