"""SQLite: a batch's facts and writes, inside the write transaction that BEGIN IMMEDIATE holds alone.

Nothing to lock row by row: the write lock is the database's. Each statement is one call
into SQLite, and one executemany writes all of a batch's rows of a table.
"""

from ..domain.moves import Facts
from .batch_rows import stored_batches, write_batch
from .driver import bind_time, read_time
from .ledger_rows import BatchRows, FactRows, facts_from


def _marks(values: list) -> str:
    return ",".join("?" * len(values))


def _read_batches(conn, keys: list[tuple[int, str]], count: int) -> tuple[dict, list[int]]:
    """The batches stored under ``keys`` ((owner, key) -> (hash, record)), and ``count`` new batch ids."""
    stored = []
    for owner, key in keys:
        stored += conn.execute(
            "SELECT owner_id, idempotency_key, request_hash, id, mode, status, created_at, results "
            "FROM transfer_batches WHERE owner_id = ? AND idempotency_key = ?",
            (owner, key),
        ).fetchall()
    first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM transfer_batches").fetchone()[0]
    return stored_batches(stored), list(range(first, first + count))


def read_facts(conn, rows: FactRows, *, lock: bool = True) -> tuple[Facts, list[int], list[int]]:
    """Read what the batch's rule needs, and the next free transfer ids (one per move) and batch ids.

    SQLite locks by its write transaction (BEGIN IMMEDIATE, the caller's); ``lock`` False
    (a dry run, in a plain read transaction) reads the same facts.
    """
    users = (
        conn.execute(
            f"SELECT id, status, token_version FROM users WHERE id IN ({_marks(rows.users)})", rows.users
        ).fetchall()
        if rows.users
        else []
    )
    accounts = (
        conn.execute(
            f"SELECT id, number, owner_id, currency, status, kind, balance FROM accounts WHERE number IN ({_marks(rows.numbers)})",
            rows.numbers,
        ).fetchall()
        if rows.numbers
        else []
    )
    revoked = (
        [
            row[0]
            for row in conn.execute(f"SELECT jti FROM revoked_tokens WHERE jti IN ({_marks(rows.jtis)})", rows.jtis)
        ]
        if rows.jtis
        else []
    )
    sent = (
        conn.execute(
            f"SELECT user_id, SUM(total) FROM outgoing_totals WHERE user_id IN ({_marks(rows.users)}) AND hour >= ? "
            "GROUP BY user_id",
            [*rows.users, bind_time("sqlite", rows.since)],
        ).fetchall()
        if rows.users
        else []
    )
    stored = []
    for actor, key in rows.keys:
        stored += conn.execute(
            "SELECT t.initiator_id, t.idempotency_key, t.request_hash, t.id, t.kind, s.number, d.number, t.amount, "
            "t.currency, t.memo, t.created_at, s.owner_id, d.owner_id FROM transfers t "
            "JOIN accounts s ON s.id = t.source_id JOIN accounts d ON d.id = t.destination_id "
            "WHERE t.idempotency_key = ? AND t.initiator_id IS ?",
            (key, actor),
        ).fetchall()
    # The write lock is held: nobody else takes an id before this batch commits.
    first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM transfers").fetchone()[0]
    facts = facts_from(users=users, accounts=accounts, revoked=revoked, sent=sent, stored=stored, read_time=read_time)
    batch_ids: list[int] = []
    if rows.new_batches:
        facts.batches, batch_ids = _read_batches(conn, rows.batches, rows.new_batches)
    return facts, list(range(first, first + rows.moves)), batch_ids


def write(conn, rows: BatchRows, ids: list[int], batches: list[dict]) -> None:
    """Write the batch, the accepted moves under ``ids``, and the customers' batches (batch_rows.batch_row)."""
    c = rows.columns()
    now, hour = rows.now, rows.hour
    conn.executemany(
        "INSERT INTO transfers (id, kind, source_id, destination_id, amount, currency, memo, initiator_id, "
        "idempotency_key, request_hash, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        zip(
            ids,
            c["kind"],
            c["source"],
            c["destination"],
            c["amount"],
            c["currency"],
            c["memo"],
            c["actor"],
            c["key"],
            c["hash"],
            [now] * len(ids),
            strict=True,
        ),
    )
    conn.executemany(
        "UPDATE accounts SET balance = balance + ? WHERE id = ?", zip(c["delta"], c["changed"], strict=True)
    )
    conn.executemany(
        "INSERT INTO entries (transfer_id, account_id, amount, balance_after, created_at) VALUES (?,?,?,?,?)",
        [
            row
            for i, transfer in enumerate(ids)
            for row in (
                (transfer, c["source"][i], -c["amount"][i], c["source_after"][i], now),
                (transfer, c["destination"][i], c["amount"][i], c["destination_after"][i], now),
            )
        ],
    )
    conn.executemany(
        "INSERT INTO audit_events (created_at, actor_id, client_ip, event, object, outcome, details) "
        "VALUES (?,?,?,?,?,?,?)",
        [
            *(
                (
                    now,
                    c["actor"][i],
                    c["client_ip"][i],
                    c["kind"][i],
                    f"transfer:{transfer}",
                    "success",
                    c["details"][i],
                )
                for i, transfer in enumerate(ids)
            ),
            *zip(
                [now] * len(c["refused_event"]),
                c["refused_actor"],
                c["refused_ip"],
                c["refused_event"],
                c["refused_object"],
                ["refused"] * len(c["refused_event"]),
                c["refused_details"],
                strict=True,
            ),
        ],
    )
    totals: dict[int, int] = {}
    for customer, amount in zip(c["customer"], c["amount"], strict=True):
        if customer is not None:
            totals[customer] = totals.get(customer, 0) + amount
    conn.executemany(
        "INSERT INTO outgoing_totals (user_id, hour, total) VALUES (?,?,?) "
        "ON CONFLICT (user_id, hour) DO UPDATE SET total = total + excluded.total",
        [(customer, hour, total) for customer, total in totals.items()],
    )
    for batch in batches:
        write_batch(conn, "sqlite", batch)
