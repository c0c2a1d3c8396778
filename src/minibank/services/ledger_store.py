"""Every SQL statement of the money path, behind plain functions.

Kept in one module so the hot path can be tuned per engine without touching
the rule or the services. Plain SQL text: the ORM is not needed to move money.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, text

from ..domain.transfers import AccountState
from ..models import UTCDateTime, utcnow

_ACCOUNT_COLUMNS = "id, number, owner_id, currency, status, kind, balance"
_LOCK_ACCOUNTS = {
    "postgresql": text(
        f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE number IN (:a, :b) ORDER BY id FOR UPDATE"
    ),
    # SQLite: BEGIN IMMEDIATE already holds the database's single write lock.
    "sqlite": text(f"SELECT {_ACCOUNT_COLUMNS} FROM accounts WHERE number IN (:a, :b)"),
}
_LOCK_USER = text("SELECT id FROM users WHERE id = :id FOR UPDATE")
_FIND_KEY = text(
    "SELECT id, request_hash FROM transfers WHERE initiator_id = :initiator AND idempotency_key = :key"
)
_SENT_SINCE = text(
    "SELECT COALESCE(SUM(amount), 0) FROM transfers "
    "WHERE initiator_id = :initiator AND kind = 'transfer' AND created_at > :since"
).bindparams(bindparam("since", type_=UTCDateTime))
_INSERT_TRANSFER = text(
    "INSERT INTO transfers (kind, source_id, destination_id, amount, currency, memo, "
    "initiator_id, idempotency_key, request_hash, created_at) "
    "VALUES (:kind, :source, :destination, :amount, :currency, :memo, "
    ":initiator, :key, :hash, :now) RETURNING id"
).bindparams(bindparam("now", type_=UTCDateTime))
_MOVE = text("UPDATE accounts SET balance = balance + :delta WHERE id = :id RETURNING balance")
_INSERT_ENTRIES = text(
    "INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at) VALUES "
    "(:transfer, :source, :debit, :source_after, :now), "
    "(:transfer, :destination, :credit, :destination_after, :now)"
).bindparams(bindparam("now", type_=UTCDateTime))
_GET_TRANSFER = text(
    "SELECT t.id, t.kind, s.number AS source, d.number AS destination, t.amount, t.currency, "
    "t.memo, t.created_at, t.initiator_id, s.owner_id AS source_owner, d.owner_id AS destination_owner "
    "FROM transfers t JOIN accounts s ON s.id = t.source_id JOIN accounts d ON d.id = t.destination_id "
    "WHERE t.id = :id"
).columns(created_at=UTCDateTime)


@dataclass(frozen=True, slots=True)
class TransferRecord:
    """A committed transfer as callers see it."""

    id: int
    kind: str
    source: str
    destination: str
    amount: int
    currency: str
    memo: str
    created_at: datetime
    initiator_id: int | None
    source_owner: int | None
    destination_owner: int | None


def lock_user(conn: Connection, user_id: int) -> None:
    """Serialise one customer's transfers so the rolling daily limit cannot be raced."""
    if conn.dialect.name == "postgresql":
        conn.execute(_LOCK_USER, {"id": user_id})


def lock_accounts(conn: Connection, a: str, b: str) -> dict[str, AccountState]:
    """Lock both accounts (lowest id first) and return their state by number."""
    rows = conn.execute(_LOCK_ACCOUNTS[conn.dialect.name], {"a": a, "b": b})
    return {
        row.number: AccountState(row.id, row.owner_id, row.currency, row.status, row.kind, row.balance)
        for row in rows
    }


def find_by_key(conn: Connection, initiator_id: int | None, key: str) -> tuple[int, str] | None:
    """The (transfer id, request hash) stored under an idempotency key, if any."""
    row = conn.execute(_FIND_KEY, {"initiator": initiator_id, "key": key}).first()
    return (row.id, row.request_hash) if row else None


def sent_since(conn: Connection, initiator_id: int, since: datetime) -> int:
    """Total a customer has transferred out since ``since``."""
    # PostgreSQL sums BIGINT into NUMERIC; money stays an int in Python.
    return int(conn.execute(_SENT_SINCE, {"initiator": initiator_id, "since": since}).scalar_one())


def record_transfer(
    conn: Connection,
    *,
    kind: str,
    source: AccountState,
    destination: AccountState,
    amount: int,
    memo: str,
    initiator_id: int | None,
    idempotency_key: str | None,
    request_hash: str | None,
) -> int:
    """Write the transfer, move both balances and write its two entries; return its id."""
    now = utcnow()
    transfer_id = conn.execute(
        _INSERT_TRANSFER,
        {
            "kind": kind,
            "source": source.id,
            "destination": destination.id,
            "amount": amount,
            "currency": source.currency,
            "memo": memo,
            "initiator": initiator_id,
            "key": idempotency_key,
            "hash": request_hash,
            "now": now,
        },
    ).scalar_one()
    source_after = conn.execute(_MOVE, {"delta": -amount, "id": source.id}).scalar_one()
    destination_after = conn.execute(_MOVE, {"delta": amount, "id": destination.id}).scalar_one()
    conn.execute(
        _INSERT_ENTRIES,
        {
            "transfer": transfer_id,
            "source": source.id,
            "debit": -amount,
            "source_after": source_after,
            "destination": destination.id,
            "credit": amount,
            "destination_after": destination_after,
            "now": now,
        },
    )
    return transfer_id


def get_transfer(conn: Connection, transfer_id: int) -> TransferRecord | None:
    """Read one transfer with both account numbers."""
    row = conn.execute(_GET_TRANSFER, {"id": transfer_id}).first()
    return TransferRecord(**row._asdict()) if row else None
