"""The bank test's side of the database: customers to start with, and the checks at the end."""

import logging
import os
import subprocess
import sys

import structlog
from bank_clients import Customer, Report
from sqlalchemy import text

from minibank.db import Database
from minibank.services import accounts, transfers, users

PASSWORD = "bank test passphrase"
VERIFY_COMMANDS = (("verify-ledger",), ("verify-audit",))
_CUSTOMER_TOTAL = text("SELECT COALESCE(SUM(balance), 0) FROM accounts WHERE kind = 'customer'")
_TRANSFERS_OF = text(
    "SELECT t.id, t.idempotency_key, t.amount, s.number, d.number FROM transfers t "
    "JOIN accounts s ON s.id = t.source_id JOIN accounts d ON d.id = t.destination_id "
    "JOIN users u ON u.id = t.initiator_id WHERE t.kind = 'transfer' AND u.email LIKE :pattern"
)


def quiet() -> None:
    """Keep the services' info lines (one per deposit) out of the test's output."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def set_up(db: Database, *, tag: str, customers: int, accounts_each: int, balance: int) -> list[Customer]:
    """Customers with funded accounts, made through the services as the operator's CLI would."""
    made = []
    for i in range(customers):
        user = users.create_user(db, email=f"bank-{tag}-{i}@example.com", name=f"Bank test {i}", password=PASSWORD)
        numbers = tuple(
            accounts.open_account(db, owner_id=user.id, name=f"Bank {j}", currency="USD").number
            for j in range(accounts_each)
        )
        for number in numbers:
            transfers.deposit(db, account=number, amount=balance, memo="bank test opening balance")
        made.append(Customer(user.email, user.id, numbers))
    return made


def customer_total(db: Database) -> int:
    """The money on every customer account in the bank, in cents."""
    return db.read(lambda conn: conn.execute(_CUSTOMER_TOTAL).scalar())


def check_acknowledged(db: Database, tag: str, report: Report) -> list[str]:
    """Every acknowledged transfer is in the ledger once, as sent; nothing unacknowledged is there."""
    problems = []
    acked = {}
    for key, *transfer in report.acked:
        if acked.setdefault(key, tuple(transfer)) != tuple(transfer):
            problems.append(f"{key} acknowledged twice differently: {acked[key]} and {tuple(transfer)}")
    rows = db.read(lambda conn: conn.execute(_TRANSFERS_OF, {"pattern": f"bank-{tag}-%"}).all())
    stored = {row[1]: tuple(row[:1]) + tuple(row[2:]) for row in rows}
    if len(stored) != len(rows):
        problems.append(f"{len(rows)} transfers but only {len(stored)} distinct idempotency keys")
    for key in sorted(acked.keys() - stored.keys()):
        problems.append(f"{key}: acknowledged as {acked[key]} but not in the ledger (lost)")
    for key in sorted(stored.keys() - acked.keys()):
        problems.append(f"{key}: in the ledger as {stored[key]} but never acknowledged")
    for key in sorted(acked.keys() & stored.keys()):
        if acked[key] != stored[key]:
            problems.append(f"{key}: acknowledged {acked[key]}, the ledger has {stored[key]}")
    if len({transfer[0] for transfer in acked.values()}) != len(acked):
        problems.append("one transfer id acknowledged for two idempotency keys")
    return problems


def verify(database_url: str) -> list[str]:
    """Run `minibank verify-ledger` and `minibank verify-audit` on the database; their failures."""
    env = {**os.environ, "MINIBANK_DATABASE_URL": database_url}
    runs = {
        command: subprocess.Popen(
            [sys.executable, "-m", "minibank.cli", *command],
            env=env,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for command in VERIFY_COMMANDS
    }
    problems = []
    try:
        for command, process in runs.items():
            output, _ = process.communicate(timeout=120)
            if process.returncode != 0:
                problems.append(f"minibank {' '.join(command)} exited {process.returncode}: {output.strip()[-2000:]}")
    finally:
        for process in runs.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return problems
