"""Helpers to look at and damage the audit trail from tests."""

from sqlalchemy import func, select, update

from minibank.models import audit_events

_t = audit_events.c
CONTENT = ("created_at", "actor_id", "client_ip", "event", "object", "outcome", "details")


def count_events(db, *events: str) -> int:
    """How many audit events there are (of the given names, if any)."""
    query = select(func.count()).select_from(audit_events)
    if events:
        query = query.where(_t.event.in_(events))
    return db.read(lambda conn: conn.execute(query).scalar_one())


def row_at(db, seq: int):
    """The whole event row with this seq."""
    return db.read(lambda conn: conn.execute(select(audit_events).where(_t.seq == seq)).one())


def set_columns(db, at_seq: int, /, **values) -> None:
    """Overwrite columns of the event at seq ``at_seq``, as someone with database access could."""
    db.write(lambda conn: conn.execute(update(audit_events).where(_t.seq == at_seq).values(**values)))


def unsealed(db) -> int:
    """How many events the sealer has not chained yet."""
    return db.read(lambda conn: conn.execute(select(func.count()).where(_t.seq.is_(None))).scalar_one())
