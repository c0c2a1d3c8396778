"""The audit trail's hash chain, read side: verify walks the links a sealer made (store/audit_seal.py)."""

from dataclasses import dataclass
from functools import partial

from sqlalchemy import Connection, and_, func, or_, select

from ..db import Database
from ..models import audit_events
from ..store.audit_seal import CONTENT, GENESIS, chain_hash
from ..store.deadlines import lift_statement_deadline

VERIFY_BATCH = 2000

_t = audit_events.c


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
    lift_statement_deadline(conn)  # the whole chain is read: as long as that takes
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
            select(*CONTENT, _t.seq, _t.prev_hash, _t.hash)
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
        return ChainBreak(
            row.id,
            row.seq,
            f"prev_hash is not the hash of seq {report.head_seq}: events were removed, inserted or reordered",
        )
    if row.hash != chain_hash(row.prev_hash, row, row.seq):
        return ChainBreak(row.id, row.seq, "hash does not match the event: it was changed")
    anchored = anchors.get(row.seq)
    if anchored is not None and anchored != row.hash:
        return ChainBreak(row.id, row.seq, "hash differs from the anchor recorded earlier: the chain was rewritten")
    return None
