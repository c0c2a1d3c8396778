"""The audit trail: one row per security- or money-relevant event, in the action's transaction."""

import json

from sqlalchemy import Connection, insert

from ..models import audit_events, utcnow


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
