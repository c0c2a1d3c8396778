"""The audit trail's hash chain, write side: a sealer links committed events in order.

Writers only insert events, in their own transactions; nobody reads the chain's head
on the money path. A sealer, moments later, takes the committed unsealed events in id
order and gives each the next seq, the previous hash and its own hash. On PostgreSQL a
lower id can commit after a higher one was sealed: it simply gets a later seq. The
chain's order is seq, not id, so a late commit never breaks it.
"""

import hashlib
from datetime import UTC, datetime
from functools import partial

import orjson
from sqlalchemy import Connection, bindparam, select, text, update

from ..models import audit_events
from .driver import pg_array, read_time

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
_COLUMNS = ", ".join(column.name for column in CONTENT)
# Untyped: the rows come back as the driver gives them (created_at read by read_time, once per
# distinct time), without a result processor per row.
# SQLite's planner, with statistics from ANALYZE, may walk the whole table in id order
# instead of the small index of unsealed events (seconds, once the trail is long); INDEXED BY
# pins the index. SQLAlchemy renders no index hints for SQLite, hence the text.
_UNSEALED = {
    "sqlite": text(
        f"SELECT {_COLUMNS} FROM audit_events INDEXED BY ix_audit_events_unsealed "
        "WHERE seq IS NULL ORDER BY id LIMIT :batch"
    ),
    "postgresql": text(f"SELECT {_COLUMNS} FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT :batch"),
}


def canonical(row, seq: int) -> str:
    """The deterministic text of an event that its hash covers."""
    return _canonical(row, seq, _instant(row.created_at)).decode()


def chain_hash(prev_hash: str, row, seq: int) -> str:
    """sha256 of the previous hash followed by the event's canonical text."""
    return _link(prev_hash, row, seq, _instant(row.created_at))


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical(row, seq: int, created_at: str) -> bytes:
    # The text json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) writes, byte
    # for byte (tests/unit/test_audit_canonical.py compares every character), in a twentieth of the time.
    return orjson.dumps(
        {
            "id": row.id,
            "seq": seq,
            "created_at": created_at,
            "actor_id": row.actor_id,
            "client_ip": row.client_ip,
            "event": row.event,
            "object": row.object,
            "outcome": row.outcome,
            "details": row.details,
        },
        option=orjson.OPT_SORT_KEYS,
    )


def _link(prev_hash: str, row, seq: int, created_at: str) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(row, seq, created_at)).hexdigest()


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
    rows = conn.execute(_UNSEALED[conn.dialect.name], {"batch": batch}).all()
    instants: dict = {}  # the events of one batch of moves share their time
    links = []
    for row in rows:
        seq += 1
        created_at = instants.get(row.created_at)
        if created_at is None:
            created_at = instants[row.created_at] = _instant(read_time(row.created_at))
        digest = _link(prev, row, seq, created_at)
        links.append((row.id, seq, prev, digest))
        prev = digest
    if links and conn.dialect.name == "postgresql":
        # One statement for the batch: executemany would send and run one UPDATE per event.
        ids, seqs, prevs, hashes = zip(*links, strict=True)
        conn.execute(
            _SEAL_PG,
            {
                "row_id": pg_array(ids),
                "new_seq": pg_array(seqs),
                "new_prev": pg_array(prevs),
                "new_hash": pg_array(hashes),
            },
        )
    elif links:
        conn.execute(
            update(audit_events)
            .where(_t.id == bindparam("row_id"))
            .values(seq=bindparam("new_seq"), prev_hash=bindparam("new_prev"), hash=bindparam("new_hash")),
            [dict(zip(("row_id", "new_seq", "new_prev", "new_hash"), link, strict=True)) for link in links],
        )
    return len(links)
