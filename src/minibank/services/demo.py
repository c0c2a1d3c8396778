"""Demo data mirroring the original miniBank: alice with two accounts, bob with one."""

from sqlalchemy import exists, select

from ..db import Database
from ..models import users
from . import accounts, transfers
from .users import create_user

# Printed at seeding and shown in the README; never loaded in production.
DEMO_USERS = {
    "alice@example.com": ("Alice Example", "alice-demo-password", "customer", [("Checking", 750_000), ("Savings", 20_000)]),
    "bob@example.com": ("Bob Example", "bob-demo-password", "customer", [("Checking", 100_000)]),
    "teller@example.com": ("Terry Teller", "teller-demo-password", "admin", []),
}


def load_demo(db: Database, *, currency: str) -> dict[str, str] | None:
    """Create the demo users and fund their accounts; None when users already exist."""
    if db.read(lambda conn: conn.execute(select(exists().where(users.c.id.isnot(None)))).scalar()):
        return None
    credentials = {}
    for email, (name, password, role, opened) in DEMO_USERS.items():
        user = create_user(db, email=email, name=name, password=password, role=role)
        for account_name, balance in opened:
            account = accounts.open_account(db, owner_id=user.id, name=account_name, currency=currency)
            transfers.deposit(db, account=account.number, amount=balance, memo="Opening deposit")
        credentials[email] = password
    return credentials
