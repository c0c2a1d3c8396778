"""Every SQL statement of the money path, behind plain functions.

The hot path talks to the driver directly (psycopg or sqlite3) with as few statements
as the engine allows: SQLAlchemy cost more CPU per transfer than everything else
together. A move the rule plainly allows is one statement: on PostgreSQL a call of the
function minibank_quick_move (migration 0004), on SQLite an INSERT into a temporary view
whose trigger does the same (below). The ordinary path, which words the refusals, locks and
reads first and then writes (on PostgreSQL in one statement of data-modifying CTEs).
"""

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from ..db import bind_time, driver_sql, read_time
from ..domain.errors import Unauthenticated
from ..domain.money import MAX_MINOR
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
    # A customer's destination must be a customer account: any other is passed as NULL, which
    # the function finds missing, and the ordinary path refuses it.
    "SELECT * FROM minibank_quick_move(:kind, :a, CASE WHEN CAST(:rule_actor AS bigint) IS NULL OR EXISTS ("
    "SELECT 1 FROM accounts g WHERE g.number = :b AND g.kind = 'customer') THEN CAST(:b AS text) END, :amount, :memo, :initiator, :rule_actor, :key, :hash, "
    ":now, :client_ip, :hour, :since, :per_transfer, :daily, :check_session, :jti, :token_version)"
)["postgresql"]


# SQLite: the same move as one INSERT into a temporary view whose trigger checks and writes
# everything, so the write lock's holder runs one statement instead of eight (each statement
# hands the GIL to the process's other threads and must wait to get it back). Made once per
# connection (temporary objects live with it). Every condition of the rule at once: anything
# but a plain "no rule is broken" (a NULL included) ignores the row and leaves the decision to
# the service. quick_move_result carries the new transfer back (a view has no RETURNING).
_SQLITE_QUICK_MOVE_SETUP = (
    "CREATE TEMP TABLE IF NOT EXISTS quick_move_result "
    "(transfer_id INTEGER, currency TEXT, source_owner INTEGER, destination_owner INTEGER)",
    "CREATE TEMP VIEW IF NOT EXISTS quick_moves AS SELECT NULL AS kind, NULL AS source, NULL AS destination, "
    "NULL AS amount, NULL AS memo, NULL AS initiator, NULL AS rule_actor, NULL AS key, NULL AS hash, NULL AS now, "
    "NULL AS client_ip, NULL AS hour, NULL AS since, NULL AS per_transfer, NULL AS daily, NULL AS check_session, "
    "NULL AS jti, NULL AS token_version",
    f"""CREATE TEMP TRIGGER IF NOT EXISTS quick_move INSTEAD OF INSERT ON quick_moves BEGIN
    DELETE FROM quick_move_result;
    SELECT RAISE(IGNORE) WHERE
        (NEW.rule_actor IS NOT NULL AND NOT EXISTS (
            SELECT 1 FROM users u WHERE u.id = NEW.rule_actor AND (NOT NEW.check_session OR (
                u.status = 'active' AND u.token_version = NEW.token_version
                AND NOT EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = NEW.jti)))))
        OR (NEW.key IS NOT NULL AND EXISTS (
            SELECT 1 FROM transfers k WHERE k.initiator_id = NEW.initiator AND k.idempotency_key = NEW.key))
        OR NOT EXISTS (
            SELECT 1 FROM accounts s, accounts d
            WHERE s.number = NEW.source AND d.number = NEW.destination
            AND (NEW.rule_actor IS NULL OR (s.owner_id = NEW.rule_actor AND d.kind = 'customer'))
            AND s.id <> d.id AND s.status = 'open' AND d.status = 'open' AND s.currency = d.currency
            AND (NEW.rule_actor IS NULL OR (NEW.amount <= COALESCE(NEW.per_transfer, {MAX_MINOR}) AND (
                NEW.daily IS NULL OR NEW.amount <= NEW.daily - (SELECT COALESCE(SUM(o.total), 0)
                    FROM outgoing_totals o WHERE o.user_id = NEW.rule_actor AND o.hour >= NEW.since))))
            AND (s.kind <> 'customer' OR s.balance >= NEW.amount)
            AND d.balance <= {MAX_MINOR} - NEW.amount AND s.balance >= NEW.amount - {MAX_MINOR});
    INSERT INTO transfers (kind, source_id, destination_id, amount, currency, memo, initiator_id,
                                idempotency_key, request_hash, created_at)
    SELECT NEW.kind, s.id, d.id, NEW.amount, s.currency, NEW.memo, NEW.initiator, NEW.key, NEW.hash, NEW.now
    FROM accounts s, accounts d WHERE s.number = NEW.source AND d.number = NEW.destination;
    INSERT INTO quick_move_result SELECT last_insert_rowid(), s.currency, s.owner_id, d.owner_id
    FROM accounts s, accounts d WHERE s.number = NEW.source AND d.number = NEW.destination;
    UPDATE accounts SET balance = balance - NEW.amount WHERE number = NEW.source;
    UPDATE accounts SET balance = balance + NEW.amount WHERE number = NEW.destination;
    INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at)
    SELECT r.transfer_id, a.id, CASE WHEN a.number = NEW.source THEN -NEW.amount ELSE NEW.amount END,
           a.balance, NEW.now
    FROM quick_move_result r, accounts a WHERE a.number IN (NEW.source, NEW.destination)
    ORDER BY a.number = NEW.destination;
    INSERT INTO audit_events (created_at, actor_id, client_ip, event, object, outcome, details)
    SELECT NEW.now, NEW.initiator, NEW.client_ip, NEW.kind, 'transfer:' || r.transfer_id, 'success',
           json_object('amount', NEW.amount, 'currency', r.currency)
    FROM quick_move_result r;
    INSERT INTO outgoing_totals (user_id, hour, total)
    SELECT NEW.initiator, NEW.hour, NEW.amount WHERE NEW.kind = 'transfer'
    ON CONFLICT (user_id, hour) DO UPDATE SET total = total + excluded.total;
END""",
)
_SQLITE_QUICK_MOVE = (
    "INSERT INTO quick_moves VALUES (:kind, :a, :b, :amount, :memo, :initiator, :rule_actor, :key, :hash, :now, "
    ":client_ip, :hour, :since, :per_transfer, :daily, :check_session, :jti, :token_version)"
)
_SQLITE_QUICK_RESULT = "SELECT transfer_id, currency, source_owner, destination_owner FROM quick_move_result"


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
    run: Callable[[dict], Sequence | None],
    dialect: str,
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
    """Lock, check and write in one statement; None when the rule needs a closer look.

    ``run`` sends the statement's parameters to where it runs (quick_move_on, or SQLite's
    writer process) and returns its row: on PostgreSQL in autocommit, on SQLite inside a
    write transaction.
    """
    now = utcnow()
    params = {
        "kind": kind,
        "a": numbers[0],
        "b": numbers[1],
        "amount": amount,
        "memo": memo,
        "initiator": initiator_id,
        "rule_actor": rule_actor,
        "key": key,
        "hash": request_hash,
        "now": bind_time(dialect, now),
        "client_ip": client_ip,
        "hour": bind_time(dialect, start_of_hour(now)),
        "since": bind_time(dialect, daily_window_start(now)) if limits.daily is not None else None,
        "per_transfer": limits.per_transfer,
        "daily": limits.daily,
        "check_session": session is not None,
        "jti": session.jti if session else None,
        "token_version": session.version if session else None,
    }
    row = run(params)
    if row is None:
        return None
    transfer_id, currency, source_owner, destination_owner = row
    return TransferRecord(
        transfer_id, kind, numbers[0], numbers[1], amount, currency, memo, now, initiator_id, source_owner,
        destination_owner,
    )


def quick_move_on(conn, dialect: str) -> Callable[[dict], Sequence | None]:
    """Run quick_move's statement on a driver connection of ``dialect``."""
    return partial(sqlite_quick_move, conn) if dialect == "sqlite" else partial(_one, conn, _QUICK_MOVE)


def sqlite_quick_move(conn, params: dict) -> Sequence | None:
    """SQLite, inside a write transaction: quick_move's statement and its row (None: nothing written)."""
    # The temporary objects are made on a connection's first move (they live with it; made
    # inside a transaction that rolls back, they are simply made again next time).
    try:
        conn.execute(_SQLITE_QUICK_MOVE, params)
    except sqlite3.OperationalError as error:
        if "no such table: quick_moves" not in str(error):
            raise
        for statement in _SQLITE_QUICK_MOVE_SETUP:
            conn.execute(statement)
        conn.execute(_SQLITE_QUICK_MOVE, params)
    return conn.execute(_SQLITE_QUICK_RESULT).fetchone()


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
