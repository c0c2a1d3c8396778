"""Benchmark data: funded customers, and accounts with long histories written in bulk."""

from datetime import UTC, datetime

from sqlalchemy import bindparam, text

from minibank.db import Database
from minibank.domain.moves import start_of_hour
from minibank.models import UTCDateTime
from minibank.services import accounts, transfers, users

PASSWORD = "benchmark passphrase"
FUNDING = 10**11  # a billion in cents: no benchmark transfer is refused for funds


def customers(db: Database, *, count: int, currency: str = "USD") -> list[tuple[str, list[str]]]:
    """``count`` customers with two funded accounts each: [(email, [number, number])]."""
    made = []
    for i in range(count):
        email = f"bench{i}@example.com"
        user = users.create_user(db, email=email, name=f"Bench {i}", password=PASSWORD)
        numbers = []
        for name in ("Checking", "Savings"):
            account = accounts.open_account(db, owner_id=user.id, name=name, currency=currency)
            transfers.deposit(db, account=account.number, amount=FUNDING)
            numbers.append(account.number)
        made.append((email, numbers))
    return made


def more_accounts(
    db: Database, people: list[tuple[str, list[str]]], *, per_customer: int, currency: str = "USD"
) -> list[str]:
    """``per_customer`` more (empty) accounts for each customer; every customer account's number."""
    numbers = [number for _, owned in people for number in owned]
    for email, _ in people:
        owner = users.get_by_email(db, email=email)
        for i in range(per_customer):
            numbers.append(accounts.open_account(db, owner_id=owner.id, name=f"Pot {i}", currency=currency).number)
    return numbers


# n transfers of one cent from `source` to `target`, with both entries and running balances,
# as the service would have written them one by one.
_SERIES = {
    "postgresql": "SELECT g AS n FROM generate_series(1, :n) AS g",
    "sqlite": "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < :n) SELECT n FROM s",
}
_BULK = [
    "INSERT INTO transfers (kind, source_id, destination_id, amount, currency, memo, initiator_id, created_at) "
    "SELECT 'transfer', :source, :target, 1, :currency, 'history ' || CAST(n AS VARCHAR(12)), :owner, :now "
    "FROM ({series}) AS series ORDER BY n",
    "INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at) "
    "SELECT t.id, :source, -1, :start - ROW_NUMBER() OVER (ORDER BY t.id), t.created_at "
    "FROM transfers t WHERE t.source_id = :source AND t.destination_id = :target",
    "INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at) "
    "SELECT t.id, :target, 1, ROW_NUMBER() OVER (ORDER BY t.id), t.created_at "
    "FROM transfers t WHERE t.source_id = :source AND t.destination_id = :target",
    # The seeded transfers count toward the owner's daily limit like any others.
    "INSERT INTO outgoing_totals (user_id, hour, total) VALUES (:owner, :hour, :n) "
    "ON CONFLICT (user_id, hour) DO UPDATE SET total = outgoing_totals.total + excluded.total",
    "UPDATE accounts SET balance = balance - :n WHERE id = :source",
    "UPDATE accounts SET balance = balance + :n WHERE id = :target",
]


def history_account(db: Database, *, owner_email: str, entries: int, currency: str = "USD") -> str:
    """A new account of the owner's holding ``entries`` movements; returns its number."""
    owner = users.get_by_email(db, email=owner_email)
    source = accounts.open_account(db, owner_id=owner.id, name="History source", currency=currency)
    target = accounts.open_account(db, owner_id=owner.id, name=f"History {entries}", currency=currency)
    transfers.deposit(db, account=source.number, amount=entries)
    now = datetime.now(UTC)
    params = {
        "source": source.id,
        "target": target.id,
        "n": entries,
        "currency": currency,
        "owner": owner.id,
        "start": entries,
        "now": now,
        "hour": start_of_hour(now),
    }
    series = _SERIES[db.dialect]

    def work(conn):
        for statement in _BULK:
            conn.execute(
                text(statement.format(series=series)).bindparams(
                    *[bindparam(name, type_=UTCDateTime) for name in ("now", "hour") if f":{name}" in statement]
                ),
                params,
            )

    db.write(work)
    return target.number


def settle(db: Database) -> None:
    """Fresh planner statistics and a checkpoint, so bulk loading does not spill into the measurements."""
    if db.dialect == "sqlite":
        db.write(lambda conn: conn.execute(text("ANALYZE")))
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        conn.execute(text("CHECKPOINT"))
