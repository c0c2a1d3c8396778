"""Demo data mirroring the original miniBank: alice with two accounts, bob with one."""

from dataclasses import dataclass

from sqlalchemy import exists, select

from ..db import Database
from ..domain.errors import NotFound
from ..models import users
from . import accounts, transfers
from .users import create_user, get_by_email

# Printed at seeding and shown in the README; never loaded in production. The account
# numbers are fixed (with valid check digits) so that the README's commands work as pasted.
DEMO_USERS = {
    "alice@example.com": (
        "Alice Example",
        "alice-demo-password",
        "customer",
        [("Checking", 750_000, "4821093322"), ("Savings", 20_000, "4821093419")],
    ),
    "bob@example.com": ("Bob Example", "bob-demo-password", "customer", [("Checking", 100_000, "5310720125")]),
    "teller@example.com": ("Terry Teller", "teller-demo-password", "admin", []),
}


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo user's login and the accounts they hold now: (name, number, balance, currency)."""

    email: str
    password: str
    role: str
    accounts: list[tuple[str, str, int, str]]


def load_demo(db: Database, *, currency: str) -> dict[str, str] | None:
    """Create the demo users and fund their accounts; None when users already exist."""
    if db.read(lambda conn: conn.execute(select(exists().where(users.c.id.isnot(None)))).scalar()):
        return None
    credentials = {}
    for email, (name, password, role, opened) in DEMO_USERS.items():
        user = create_user(db, email=email, name=name, password=password, role=role)
        for account_name, balance, number in opened:
            account = accounts.open_account(db, owner_id=user.id, name=account_name, currency=currency, number=number)
            transfers.deposit(db, account=account.number, amount=balance, memo="Opening deposit")
        credentials[email] = password
    return credentials


def demo_logins(db: Database) -> list[DemoLogin]:
    """The demo users that exist, each with the demo accounts they still hold and the balances now."""
    found = []
    for email, (_name, password, role, opened) in DEMO_USERS.items():
        try:
            user = get_by_email(db, email=email)
        except NotFound:
            continue
        held = []
        for account_name, _balance, number in opened:
            try:
                account = accounts.get_by_number(db, number=number, owner_id=user.id)
            except NotFound:
                continue
            held.append((account_name, account.number, account.balance, account.currency))
        found.append(DemoLogin(email=email, password=password, role=role, accounts=held))
    return found
