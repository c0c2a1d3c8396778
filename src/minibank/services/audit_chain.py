"""The audit trail's hash chain: a sealer links committed events in order; verify walks the links.

Writers only insert events, in their own transactions; nobody reads the chain's head
on the money path. A sealer, moments later, takes the committed unsealed events in id
order and gives each the next seq, the previous hash and its own hash. On PostgreSQL a
lower id can commit after a higher one was sealed: it simply gets a later seq. The
chain's order is seq, not id, so a late commit never breaks it.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timezone
from functools import partial

from sqlalchemy import Connection, and_, bindparam, func, or_, select, text, update

from ..db import Database
from ..models import audit_events

GENESIS = "0" * 64
SEAL_BATCH = 500
VERIFY_BATCH = 2000
# The key of the advisory lock that only sealers take ("minibank" in ASCII).
_SEAL_LOCK = 0x6D696E6962616E6B

_t = audit_events.c
_SEAL_PG = text(
    "UPDATE audit_events AS a SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "
    "FROM unnest(CAST(:row_id AS BIGINT[]), CAST(:new_seq AS BIGINT[]), CAST(:new_prev AS TEXT[]), "
    "CAST(:new_hash AS TEXT[])) AS v(id, seq, prev_hash, hash) WHERE a.id = v.id"
)
_CONTENT = (_t.id, _t.created_at, _t.actor_id, _t.client_ip, _t.event, _t.object, _t.outcome, _t.details)
# SQLite's planner, with statistics from ANALYZE, may walk the whole table in id order
# instead of the small index of unsealed events (seconds, once the trail is long); INDEXED BY
# pins the index. SQLAlchemy renders no index hints for SQLite, hence the text.
_UNSEALED_SQLITE = text(
    f"SELECT {', '.join(column.name for column in _CONTENT)} FROM audit_events "
    "INDEXED BY ix_audit_events_unsealed WHERE seq IS NULL ORDER BY id LIMIT :batch"
).columns(*_CONTENT)


def canonical(row, seq: int) -> str:
    """The deterministic text of an event that its hash covers."""
    return json.dumps(
        {
            "id": row.id,
            "seq": seq,
            "created_at": row.created_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
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


def seal(db: Database, *, wait: bool = True, batch: int = SEAL_BATCH) -> int:
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
        rows = conn.execute(select(*_CONTENT).where(_t.seq.is_(None)).order_by(_t.id).limit(batch)).all()
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


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first event where the chain does not hold, and why."""

    id: int | None
    seq: int | None
    reason: str


@dataclass
class AuditReport:
    """What verify found: counts, the chain's head, and the first break if any."""

    sealed: int = 0
    unsealed: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problem: ChainBreak | None = None

    @property
    def ok(self) -> bool:
        """True when every sealed event links to the one before and matches its hash."""
        return self.problem is None


def verify(db: Database, *, anchors: dict[int, str] | None = None) -> AuditReport:
    """Walk the chain by seq in one snapshot and report the first bad event.

    ``anchors`` maps seq to a hash recorded earlier outside the database; they catch
    what a chain alone cannot: its tail cut off, or the whole chain recomputed.
    """
    return db.read(partial(_verify, anchors=dict(anchors or {})), snapshot=True)


def _verify(conn: Connection, *, anchors: dict[int, str]) -> AuditReport:
    report = AuditReport()
    report.unsealed = conn.execute(select(func.count()).where(_t.seq.is_(None))).scalar_one()
    half = conn.execute(
        select(_t.id, _t.seq)
        .where(
            or_(
                and_(_t.seq.is_(None), or_(_t.hash.is_not(None), _t.prev_hash.is_not(None))),
                and_(_t.seq.is_not(None), or_(_t.hash.is_(None), _t.prev_hash.is_(None))),
            )
        )
        .order_by(_t.id)
        .limit(1)
    ).first()
    if half is not None:
        report.problem = ChainBreak(half.id, half.seq, "half-sealed: seq, prev_hash and hash must be set together")
        return report
    last_seq = 0
    while report.problem is None:
        rows = conn.execute(
            select(*_CONTENT, _t.seq, _t.prev_hash, _t.hash)
            .where(_t.seq.is_not(None), _t.seq > last_seq)
            .order_by(_t.seq)
            .limit(VERIFY_BATCH)
        ).all()
        for row in rows:
            report.problem = _check(row, report, anchors)
            if report.problem is not None:
                break
            report.sealed += 1
            report.head_seq, report.head_hash = row.seq, row.hash
        if len(rows) < VERIFY_BATCH:
            break
        last_seq = rows[-1].seq
    if report.problem is None:
        missing = sorted(seq for seq in anchors if seq > report.head_seq)
        if missing:
            report.problem = ChainBreak(None, missing[0], "an anchored event is missing: the chain was cut short")
    return report


def _check(row, report: AuditReport, anchors: dict[int, str]) -> ChainBreak | None:
    expected = report.head_seq + 1
    if row.seq != expected:
        return ChainBreak(row.id, row.seq, f"expected seq {expected}: events before this one were removed")
    if row.prev_hash != report.head_hash:
        return ChainBreak(row.id, row.seq, f"prev_hash is not the hash of seq {report.head_seq}: events were removed, inserted or reordered")
    if row.hash != chain_hash(row.prev_hash, row, row.seq):
        return ChainBreak(row.id, row.seq, "hash does not match the event: it was changed")
    anchored = anchors.get(row.seq)
    if anchored is not None and anchored != row.hash:
        return ChainBreak(row.id, row.seq, "hash differs from the anchor recorded earlier: the chain was rewritten")
    return None
