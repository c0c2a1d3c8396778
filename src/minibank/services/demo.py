"""Demo data mirroring the original miniBank: alice with two accounts, bob with one, and a few months of history."""

import secrets
from dataclasses import dataclass

from sqlalchemy import exists, select

from ..db import Database
from ..domain.errors import NotFound
from ..models import users, utcnow
from . import accounts, payees, transfers
from .demo_story import BUSINESSES, PAYEES, Event, beginning, net_by_holder, story
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
    "teller@example.com": ("Terry Teller", "teller-demo-password", "teller", []),
    "supervisor@example.com": ("Sam Supervisor", "supervisor-demo-password", "supervisor", []),
    "auditor@example.com": ("Audrey Auditor", "auditor-demo-password", "auditor", []),
}


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo user's login and the accounts they hold now: (name, number, balance, currency)."""

    email: str
    password: str
    role: str
    accounts: list[tuple[str, str, int, str]]


def load_demo(db: Database, *, currency: str) -> dict[str, str] | None:
    """Create the demo users, their payees and a few months of history; None when users already exist.

    Each demo account ends with the balance DEMO_USERS gives it: its opening deposit is that
    balance less what the story adds.
    """
    if db.read(lambda conn: conn.execute(select(exists().where(users.c.id.isnot(None)))).scalar()):
        return None
    now = utcnow()
    events = story(now)
    net = net_by_holder(events)
    credentials, numbers, holders, openings = {}, {}, {}, []
    for email, (name, password, role, opened) in DEMO_USERS.items():
        user = create_user(db, email=email, name=name, password=password, role=role)
        key = email.split("@")[0]
        holders[key] = user
        for index, (account_name, balance, number) in enumerate(opened):
            account = accounts.open_account(db, owner_id=user.id, name=account_name, currency=currency, number=number)
            story_name = key if index == 0 else f"{key}_{account_name.lower()}"
            numbers[story_name] = account.number
            openings.append((account.number, balance - net.get(story_name, 0)))
        credentials[email] = password
    for key, (name, email, balance) in BUSINESSES.items():
        # Holders for the story's other side: no one is given their password.
        user = create_user(db, email=email, name=name, password=secrets.token_urlsafe(24), role="customer")
        holders[key] = user
        numbers[key] = accounts.open_account(db, owner_id=user.id, name="Business", currency=currency).number
        openings.append((numbers[key], balance))
    for owner, chosen in PAYEES.items():
        for key in chosen:
            payees.add(db, owner_id=holders[owner].id, name=holders[key].name, number=numbers[key], confirmed=True)
    with db.ledger.dated(beginning(now)):
        for number, amount in openings:
            if amount:
                transfers.deposit(db, account=number, amount=amount, memo="Opening deposit")
    for event in events:
        with db.ledger.dated(event.when):
            _make(db, event, numbers, holders)
    return credentials


def _make(db: Database, event: Event, numbers: dict[str, str], holders: dict) -> None:
    if event.source == "cash":
        transfers.deposit(db, account=numbers[event.destination], amount=event.amount, memo=event.memo)
    elif event.destination == "cash":
        transfers.withdraw(db, account=numbers[event.source], amount=event.amount, memo=event.memo)
    else:
        owner = holders[event.source.split("_")[0]]
        transfers.transfer(
            db,
            actor_id=owner.id,
            source=numbers[event.source],
            destination=numbers[event.destination],
            amount=event.amount,
            memo=event.memo,
        )


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
