"""Every SQL statement of the money path, behind plain functions.

The hot path talks to the driver directly (psycopg or sqlite3) with as few statements
as the engine allows: SQLAlchemy cost more CPU per transfer than everything else
together. On PostgreSQL a move the rule plainly allows is one call of the function
minibank_quick_move (migration 0004); the ordinary path locks, reads, and writes everything
in one statement (data-modifying CTEs). SQLite runs in-process, so its statements are
cheap and stay separate.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..db import bind_time, driver_sql, read_time
from ..domain.errors import Unauthenticated
from ..domain.transfers import AccountState, Limits
from ..security.tokens import Claims, session_is_valid
from ..models import utcnow


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


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the rule needs, read under the locks: both accounts, recent outgoing, a stored key."""

    accounts: dict[str, AccountState]
    sent_last_24h: int
    stored: tuple[int, str] | None


# Both accounts, what the customer sent in the last 24 hours (by the hourly totals:
# from the start of the hour 24 hours ago, so a transfer counts for 24 to 25 hours,
# never less), and a stored idempotency key, in one statement. On PostgreSQL it locks the accounts lowest id first; its
# snapshot is taken after the customer's own lock is held, so no transfer of theirs
# is missing from the sum. SQLite's BEGIN IMMEDIATE already holds its one write lock.
_READ_FOR_MOVE = (
    "SELECT a.id, a.number, a.owner_id, a.currency, a.status, a.kind, a.balance, "
    "(SELECT COALESCE(SUM(o.total), 0) FROM outgoing_totals o WHERE o.user_id = :sender AND o.hour >= :since), "
    "(SELECT k.id FROM transfers k WHERE k.initiator_id = :initiator AND k.idempotency_key = :key), "
    "(SELECT k.request_hash FROM transfers k WHERE k.initiator_id = :initiator AND k.idempotency_key = :key) "
    "FROM accounts a WHERE a.number IN (:a, :b)"
)
_LOCK_AND_READ = {
    "postgresql": driver_sql(_READ_FOR_MOVE + " ORDER BY a.id FOR UPDATE OF a")["postgresql"],
    "sqlite": _READ_FOR_MOVE,
}
_LOCK_USER = {
    "postgresql": driver_sql(
        "SELECT status, token_version, EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = :jti) "
        "FROM users WHERE id = :id FOR UPDATE"
    )["postgresql"],
    "sqlite": "SELECT status, token_version, EXISTS (SELECT 1 FROM revoked_tokens WHERE jti = :jti) "
    "FROM users WHERE id = :id",
}
_GET_TRANSFER = driver_sql(
    "SELECT t.id, t.kind, s.number, d.number, t.amount, t.currency, t.memo, t.created_at, t.initiator_id, "
    "s.owner_id, d.owner_id FROM transfers t JOIN accounts s ON s.id = t.source_id "
    "JOIN accounts d ON d.id = t.destination_id WHERE t.id = :id"
)
_INSERT_TRANSFER = (
    "INSERT INTO transfers (kind, source_id, destination_id, amount, currency, memo, initiator_id, "
    "idempotency_key, request_hash, created_at) VALUES (:kind, :source, :destination, :amount, :currency, "
    ":memo, :initiator, :key, :hash, :now)"
)
_INSERT_AUDIT = (
    "INSERT INTO audit_events (created_at, actor_id, client_ip, event, object, outcome, details) "
    "VALUES (:now, :initiator, :client_ip, :kind, :object, 'success', :details)"
)
# PostgreSQL: the transfer, both balance moves, both entries and the audit row in one statement.
_WRITE_PG = driver_sql(
    f"WITH t AS ({_INSERT_TRANSFER} RETURNING id), "
    "s AS (UPDATE accounts SET balance = balance - :amount WHERE id = :source RETURNING balance), "
    "d AS (UPDATE accounts SET balance = balance + :amount WHERE id = :destination RETURNING balance), "
    "e AS (INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at) "
    "SELECT t.id, :source, -:amount, s.balance, :now FROM t, s "
    "UNION ALL SELECT t.id, :destination, :amount, d.balance, :now FROM t, d), "
    "a AS (INSERT INTO audit_events (created_at, actor_id, client_ip, event, object, outcome, details) "
    "SELECT :now, :initiator, :client_ip, :kind, 'transfer:' || t.id, 'success', :details FROM t)"
    "{totals} SELECT t.id FROM t, s, d"
)["postgresql"]
_ADD_OUTGOING = (
    "INSERT INTO outgoing_totals (user_id, hour, total) VALUES (:initiator, :hour, :amount) "
    "ON CONFLICT (user_id, hour) DO UPDATE SET total = outgoing_totals.total + excluded.total"
)
_WRITE_PG_TRANSFER = _WRITE_PG.replace("{totals}", ", o AS (" + driver_sql(_ADD_OUTGOING)["postgresql"] + ")")
_WRITE_PG_TELLER = _WRITE_PG.replace("{totals}", "")
_SQLITE_WRITES = (
    _INSERT_TRANSFER + " RETURNING id",
    "UPDATE accounts SET balance = balance + :delta WHERE id = :id RETURNING balance",
    "INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at) VALUES "
    "(:transfer, :source, :debit, :source_after, :now), (:transfer, :destination, :amount, :destination_after, :now)",
    _INSERT_AUDIT,
    _ADD_OUTGOING,
)


# PostgreSQL: the whole move in one call when the rule plainly allows it (migration 0004).
_QUICK_MOVE = driver_sql(
    "SELECT * FROM minibank_quick_move(:kind, :a, :b, :amount, :memo, :initiator, :rule_actor, :key, :hash, "
    ":now, :client_ip, :hour, :since, :per_transfer, :daily, :check_session, :jti, :token_version)"
)["postgresql"]


def start_of_hour(moment: datetime) -> datetime:
    """The hour bucket a moment falls in."""
    return moment.replace(minute=0, second=0, microsecond=0)


def daily_window_start(now: datetime) -> datetime:
    """The oldest hour bucket that counts toward the rolling 24-hour limit."""
    return start_of_hour(now - timedelta(hours=24))


def _one(conn, sql: str, params: dict):
    cursor = conn.cursor()
    cursor.execute(sql, params)
    return cursor.fetchone()


def read_for_move(
    conn,
    dialect: str,
    *,
    a: str,
    b: str,
    lock_user_id: int | None,
    initiator_id: int | None,
    key: str | None,
    sent_since: datetime | None,
    session: Claims | None = None,
) -> Snapshot:
    """Lock the customer (if any) and both accounts, lowest id first, and read what the rule needs.

    With ``session``, a token's claims, the customer's lock also checks that session.
    """
    cursor = conn.cursor()
    if lock_user_id is not None and (dialect == "postgresql" or session is not None):
        # Serialises one customer's transfers so the rolling daily limit cannot be raced.
        cursor.execute(_LOCK_USER[dialect], {"id": lock_user_id, "jti": session.jti if session else None})
        row = cursor.fetchone()
        if session is not None and (
            row is None or not session_is_valid(session, status=row[0], token_version=row[1], revoked=bool(row[2]))
        ):
            raise Unauthenticated()
    params = {
        "a": a,
        "b": b,
        "sender": lock_user_id,
        "since": bind_time(dialect, sent_since) if sent_since is not None else None,
        "initiator": initiator_id,
        "key": key,
    }
    cursor.execute(_LOCK_AND_READ[dialect], params)
    rows = cursor.fetchall()
    accounts = {row[1]: AccountState(row[0], row[2], row[3], row[4], row[5], row[6]) for row in rows}
    # PostgreSQL sums BIGINT into NUMERIC; money stays an int in Python.
    sent = int(rows[0][7]) if rows else 0
    stored = (rows[0][8], rows[0][9]) if rows and rows[0][8] is not None else None
    return Snapshot(accounts, sent, stored)


def write_move(
    conn,
    dialect: str,
    *,
    kind: str,
    source: AccountState,
    destination: AccountState,
    numbers: tuple[str, str],
    amount: int,
    memo: str,
    initiator_id: int | None,
    key: str | None,
    request_hash: str | None,
    client_ip: str | None,
) -> TransferRecord:
    """Write the transfer, move both balances, write both entries and the audit event."""
    now = utcnow()
    params = {
        "kind": kind,
        "source": source.id,
        "destination": destination.id,
        "amount": amount,
        "currency": source.currency,
        "memo": memo,
        "initiator": initiator_id,
        "key": key,
        "hash": request_hash,
        "now": bind_time(dialect, now),
        "client_ip": client_ip,
        "details": json.dumps({"amount": amount, "currency": source.currency}, separators=(",", ":"), sort_keys=True),
        "hour": bind_time(dialect, start_of_hour(now)),
    }
    customer = kind == "transfer"
    if dialect == "postgresql":
        transfer_id = _one(conn, _WRITE_PG_TRANSFER if customer else _WRITE_PG_TELLER, params)[0]
    else:
        transfer_id = _write_sqlite(conn, params, customer=customer)
    return TransferRecord(
        transfer_id, kind, numbers[0], numbers[1], amount, source.currency, memo, now,
        initiator_id, source.owner_id, destination.owner_id,
    )


def quick_move(
    conn,
    *,
    kind: str,
    numbers: tuple[str, str],
    amount: int,
    memo: str,
    initiator_id: int | None,
    rule_actor: int | None,
    key: str | None,
    request_hash: str | None,
    client_ip: str | None,
    limits: Limits,
    session: Claims | None,
) -> TransferRecord | None:
    """PostgreSQL, autocommit: lock, check and write in one call; None when the rule needs a closer look."""
    now = utcnow()
    row = _one(conn, _QUICK_MOVE, {
        "kind": kind,
        "a": numbers[0],
        "b": numbers[1],
        "amount": amount,
        "memo": memo,
        "initiator": initiator_id,
        "rule_actor": rule_actor,
        "key": key,
        "hash": request_hash,
        "now": now,
        "client_ip": client_ip,
        "hour": start_of_hour(now),
        "since": daily_window_start(now) if limits.daily is not None else None,
        "per_transfer": limits.per_transfer,
        "daily": limits.daily,
        "check_session": session is not None,
        "jti": session.jti if session else None,
        "token_version": session.version if session else None,
    })
    if row is None:
        return None
    transfer_id, currency, source_owner, destination_owner = row
    return TransferRecord(
        transfer_id, kind, numbers[0], numbers[1], amount, currency, memo, now, initiator_id, source_owner,
        destination_owner,
    )


def _write_sqlite(conn, params: dict, *, customer: bool) -> int:
    insert_transfer, move, insert_entries, insert_audit, add_outgoing = _SQLITE_WRITES
    transfer_id = conn.execute(insert_transfer, params).fetchone()[0]
    source_after = conn.execute(move, {"delta": -params["amount"], "id": params["source"]}).fetchone()[0]
    destination_after = conn.execute(move, {"delta": params["amount"], "id": params["destination"]}).fetchone()[0]
    conn.execute(
        insert_entries,
        {**params, "transfer": transfer_id, "debit": -params["amount"],
         "source_after": source_after, "destination_after": destination_after},
    )
    conn.execute(insert_audit, {**params, "object": f"transfer:{transfer_id}"})
    if customer:
        conn.execute(add_outgoing, params)
    return transfer_id


def get_transfer(conn, dialect: str, transfer_id: int) -> TransferRecord | None:
    """Read one transfer with both account numbers (driver connection)."""
    row = _one(conn, _GET_TRANSFER[dialect], {"id": transfer_id})
    if row is None:
        return None
    return TransferRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], read_time(row[7]), row[8], row[9], row[10])
