"""HTTP tests run on SQLite; engine-specific behaviour is covered in integration/."""

import pytest

from ..support.api import Bank


@pytest.fixture
def database_url(sqlite_url):
    """Functional tests use a fresh SQLite database (ask for postgres_url explicitly when needed)."""
    return sqlite_url


@pytest.fixture
def bank(auth, make_user, make_account):
    """bank.customer(balance=...) and bank.teller(): API callers with tokens."""
    return Bank(auth, make_user, make_account)
