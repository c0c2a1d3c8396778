"""HTTP tests run on SQLite; engine-specific behaviour is covered in integration/."""

import pytest

from ..support.api import Bank
from ..support.web import Banking


@pytest.fixture
def database_url(sqlite_url):
    """Functional tests use a fresh SQLite database (ask for postgres_url explicitly when needed)."""
    return sqlite_url


@pytest.fixture
def banking(client):
    """The transfer pages, step by step (log in first with `auth`)."""
    return Banking(client)


@pytest.fixture
def customer(make_user, make_account, auth):
    """A logged-in customer with a funded account (100.00) and an empty one."""
    user = make_user(email="carol@example.com", name="Carol")
    funded = make_account(owner=user, balance=10_000, name="Checking")
    empty = make_account(owner=user, name="Savings")
    auth.login("carol@example.com")
    return user, funded, empty


@pytest.fixture
def bank(auth, make_user, make_account):
    """bank.customer(balance=...) and bank.teller(): API callers with tokens."""
    return Bank(auth, make_user, make_account)
