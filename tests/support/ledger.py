"""Helpers to look at the ledger from tests: snapshots, totals and the verify commands."""

import os
import subprocess
import sys

from sqlalchemy import func, select

from minibank.models import accounts, audit_events, entries, transfers
from minibank.services import ledger_check


def snapshot(db) -> dict:
    """Everything a refused request must leave unchanged."""

    def work(conn):
        return {
            "balances": dict(conn.execute(select(accounts.c.number, accounts.c.balance)).all()),
            "transfers": conn.execute(select(func.count()).select_from(transfers)).scalar_one(),
            "entries": conn.execute(select(func.count()).select_from(entries)).scalar_one(),
            "money_events": conn.execute(
                select(func.count())
                .select_from(audit_events)
                .where(audit_events.c.event.in_(["transfer", "deposit", "withdrawal"]))
            ).scalar_one(),
        }

    return db.read(work, snapshot=True)


def customer_total(db) -> int:
    """The sum of every customer account's balance."""
    query = select(func.coalesce(func.sum(accounts.c.balance), 0)).where(accounts.c.kind == "customer")
    return db.read(lambda conn: conn.execute(query).scalar_one())


def assert_ledger_clean(db) -> None:
    """Fail with verify-ledger's findings when any invariant is broken."""
    report = ledger_check.verify(db)
    assert report.ok, report.problems


def verify_commands(database_url: str) -> list[str]:
    """`minibank verify-ledger` and `minibank verify-audit` on the database, as an operator runs them: their failures."""
    env = {**os.environ, "MINIBANK_DATABASE_URL": database_url}
    problems = []
    for command in ("verify-ledger", "verify-audit"):
        run = subprocess.run(
            [sys.executable, "-m", "minibank.cli", command], env=env, text=True, capture_output=True, timeout=120
        )
        if run.returncode != 0:
            problems.append(f"minibank {command} exited {run.returncode}: {(run.stdout + run.stderr)[-2000:]}")
    return problems
