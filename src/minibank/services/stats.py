"""Counts for operators: users, accounts, transfers and customer money per currency."""

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from ..db import Database
from ..models import accounts, transfers, users


@dataclass(frozen=True, slots=True)
class BankStats:
    """A snapshot of the bank's size."""

    users: int
    accounts: int
    transfers: dict[str, int]
    money: dict[str, int]


def summary(db: Database) -> BankStats:
    """Counts and customer money per currency, read in one consistent snapshot."""

    def work(conn: Connection) -> BankStats:
        def count(table, *where) -> int:
            return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()

        by_kind = conn.execute(select(transfers.c.kind, func.count()).group_by(transfers.c.kind)).all()
        money = conn.execute(
            select(accounts.c.currency, func.sum(accounts.c.balance))
            .where(accounts.c.kind == "customer")
            .group_by(accounts.c.currency)
            .order_by(accounts.c.currency)
        ).all()
        return BankStats(
            users=count(users),
            accounts=count(accounts, accounts.c.kind == "customer"),
            transfers=dict(sorted(by_kind)),
            # PostgreSQL sums BIGINT into NUMERIC; money stays an int.
            money={currency: int(total) for currency, total in money},
        )

    return db.read(work, snapshot=True)
