"""The audit trail: one row per security- or money-relevant event, in the action's transaction."""

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select

from ..db import Database
from ..domain.errors import InvalidCursor, InvalidInput
from ..models import audit_events, utcnow

PAGE_MAX = 200


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """An event as the admin pages see it; ``seq`` is None until the sealer chains it."""

    id: int
    created_at: datetime
    actor_id: int | None
    client_ip: str | None
    event: str
    object: str | None
    outcome: str
    details: dict
    seq: int | None


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which events to list: by actor, event name, object (exact) and time (since inclusive, until exclusive)."""

    actor_id: int | None = None
    event: str | None = None
    object: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of events, newest first; pass ``next_before_id`` back for the next page."""

    items: list[AuditEvent]
    next_before_id: int | None


_COLUMNS = [getattr(audit_events.c, name) for name in AuditEvent.__slots__]


def record(
    conn: Connection,
    *,
    event: str,
    outcome: str = "success",
    actor_id: int | None = None,
    object: str | None = None,
    client_ip: str | None = None,
    details: dict | None = None,
) -> None:
    """Append an event inside the caller's transaction, so it commits or rolls back with it."""
    conn.execute(
        insert(audit_events).values(
            created_at=utcnow(),
            actor_id=actor_id,
            client_ip=client_ip,
            event=event,
            object=object,
            outcome=outcome,
            details=json.dumps(details or {}, sort_keys=True, separators=(",", ":")),
        )
    )


def list_events(
    db: Database, *, limit: int = 50, before_id: int | None = None, where: AuditFilter = AuditFilter()
) -> AuditPage:
    """Events newest first that match ``where``, ``limit`` at a time, after the keyset cursor ``before_id``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= PAGE_MAX:
        raise InvalidInput(f"The limit is a whole number from 1 to {PAGE_MAX}.", field="limit")
    if before_id is not None and (isinstance(before_id, bool) or not isinstance(before_id, int) or before_id < 1):
        raise InvalidCursor()
    query = select(*_COLUMNS).order_by(audit_events.c.id.desc()).limit(limit + 1)
    if before_id is not None:
        query = query.where(audit_events.c.id < before_id)
    for column, value in (
        (audit_events.c.actor_id, where.actor_id),
        (audit_events.c.event, where.event),
        (audit_events.c.object, where.object),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(audit_events.c.created_at >= where.since)
    if where.until is not None:
        query = query.where(audit_events.c.created_at < where.until)
    rows = db.read(lambda conn: conn.execute(query).all())
    items = [AuditEvent(**{**row._asdict(), "details": json.loads(row.details)}) for row in rows[:limit]]
    return AuditPage(items, items[-1].id if len(rows) > limit else None)
