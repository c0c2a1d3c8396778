"""The audit trail's hash chain, write side: a sealer links committed events in order.

Writers only insert events, in their own transactions; nobody reads the chain's head
on the money path. A sealer, moments later, takes the committed unsealed events in id
order and gives each the next seq, the previous hash and its own hash. On PostgreSQL a
lower id can commit after a higher one was sealed: it simply gets a later seq. The
chain's order is seq, not id, so a late commit never breaks it.
"""

import hashlib
import json
from datetime import UTC
from functools import partial

from sqlalchemy import Connection, bindparam, select, text, update

from ..models import audit_events

GENESIS = "0" * 64
SEAL_BATCH = 500
# The key of the advisory lock that only sealers take ("minibank" in ASCII).
_SEAL_LOCK = 0x6D696E6962616E6B

_t = audit_events.c
_SEAL_PG = text(
    "UPDATE audit_events AS a SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "
    "FROM unnest(CAST(:row_id AS BIGINT[]), CAST(:new_seq AS BIGINT[]), CAST(:new_prev AS TEXT[]), "
    "CAST(:new_hash AS TEXT[])) AS v(id, seq, prev_hash, hash) WHERE a.id = v.id"
)
CONTENT = (_t.id, _t.created_at, _t.actor_id, _t.client_ip, _t.event, _t.object, _t.outcome, _t.details)
# SQLite's planner, with statistics from ANALYZE, may walk the whole table in id order
# instead of the small index of unsealed events (seconds, once the trail is long); INDEXED BY
# pins the index. SQLAlchemy renders no index hints for SQLite, hence the text.
_UNSEALED_SQLITE = text(
    f"SELECT {', '.join(column.name for column in CONTENT)} FROM audit_events "
    "INDEXED BY ix_audit_events_unsealed WHERE seq IS NULL ORDER BY id LIMIT :batch"
).columns(*CONTENT)


def canonical(row, seq: int) -> str:
    """The deterministic text of an event that its hash covers."""
    return json.dumps(
        {
            "id": row.id,
            "seq": seq,
            "created_at": row.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": row.actor_id,
            "client_ip": row.client_ip,
            "event": row.event,
            "object": row.object,
            "outcome": row.outcome,
            "details": row.details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain_hash(prev_hash: str, row, seq: int) -> str:
    """sha256 of the previous hash followed by the event's canonical text."""
    return hashlib.sha256((prev_hash + canonical(row, seq)).encode()).hexdigest()


def seal(db, *, wait: bool = True, batch: int = SEAL_BATCH) -> int:
    """Chain every committed, unsealed event; return how many were sealed.

    ``wait=False`` returns at once when another sealer holds the lock (PostgreSQL).
    """
    # A read first, so that an idle sealer never takes SQLite's write lock.
    if db.read(lambda conn: conn.execute(select(_t.id).where(_t.seq.is_(None)).limit(1)).first()) is None:
        return 0
    total = 0
    while True:
        sealed = db.write(partial(_seal_batch, wait=wait, batch=batch))
        if sealed is None:
            return total
        total += sealed
        if sealed < batch:
            return total


def _seal_batch(conn: Connection, *, wait: bool, batch: int) -> int | None:
    if conn.dialect.name == "postgresql":
        # SQLite needs nothing here: BEGIN IMMEDIATE already serialises writers.
        function = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        acquired = conn.execute(text(f"SELECT {function}(:key)"), {"key": _SEAL_LOCK}).scalar()
        if acquired is False:
            return None
    head = conn.execute(select(_t.seq, _t.hash).where(_t.seq.is_not(None)).order_by(_t.seq.desc()).limit(1)).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS)
    if conn.dialect.name == "sqlite":
        rows = conn.execute(_UNSEALED_SQLITE, {"batch": batch}).all()
    else:
        rows = conn.execute(select(*CONTENT).where(_t.seq.is_(None)).order_by(_t.id).limit(batch)).all()
    links = []
    for row in rows:
        seq += 1
        digest = chain_hash(prev, row, seq)
        links.append({"row_id": row.id, "new_seq": seq, "new_prev": prev, "new_hash": digest})
        prev = digest
    if links and conn.dialect.name == "postgresql":
        # One statement for the batch: executemany would send and run one UPDATE per event.
        conn.execute(_SEAL_PG, {key: [link[key] for link in links] for key in links[0]})
    elif links:
        conn.execute(
            update(audit_events)
            .where(_t.id == bindparam("row_id"))
            .values(seq=bindparam("new_seq"), prev_hash=bindparam("new_prev"), hash=bindparam("new_hash")),
            links,
        )
    return len(links)
