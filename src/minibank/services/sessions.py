"""Sessions: one per login, web or API, listed for their owner, who may end any of them.

Every token carries its session's public id (``sid``). Ending a session lists ``sid:<id>`` in
``revoked_tokens``, which the one statement checking each request already reads, so every token
of it is refused at once. The last use is written at most once a minute per session.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, insert, select, update

from ..db import Database
from ..domain.errors import NotFound
from ..mail import outbox
from ..mail.links import Links
from ..models import revoked_tokens, sessions, users, utcnow
from ..security.tokens import LEEWAY_SECONDS
from . import audit
from .devices import device_name

# The last use is written when it is older than this: never a write on every request.
TOUCH_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Opening:
    """What a new session needs to know: web or API, the caller's User-Agent, how long at most it lasts."""

    kind: str
    user_agent: str | None
    ttl: int
    links: Links


@dataclass(frozen=True, slots=True)
class Session:
    """An active session as its owner sees it."""

    id: str
    kind: str
    device: str
    client_ip: str | None
    created_at: datetime
    last_used_at: datetime


def start(conn: Connection, *, user_id: int, opening: Opening, client_ip: str | None) -> str:
    """Record a new session in ``conn``'s transaction; mail the owner when its device is new to them. Its id."""
    device = device_name(opening.user_agent)
    c = sessions.c
    known = set(conn.execute(select(c.device).where(c.user_id == user_id).distinct()).scalars())
    now = utcnow()
    public_id = secrets.token_urlsafe(16)
    conn.execute(
        insert(sessions).values(
            public_id=public_id,
            user_id=user_id,
            kind=opening.kind,
            device=device,
            client_ip=client_ip,
            created_at=now,
            last_used_at=now,
            expires_at=now + timedelta(seconds=opening.ttl),
        )
    )
    # A login's first session is no news to its owner, who just made it (nor is the first after sessions came).
    if known and device not in known:
        _mail_new_device(conn, user_id=user_id, device=device, client_ip=client_ip, when=now, links=opening.links)
    return public_id


def _mail_new_device(conn: Connection, *, user_id: int, device: str, client_ip, when: datetime, links: Links) -> None:
    user = conn.execute(select(users.c.email, users.c.name).where(users.c.id == user_id)).one()
    outbox.queue(
        conn,
        to=user.email,
        template="new_sign_in",
        domain=links.domain,
        name=user.name,
        device=device,
        client_ip=client_ip or "unknown",
        when=when.strftime("%d %b %Y %H:%M UTC"),
        sessions_link=links.url("/settings/sessions"),
        reset_link=links.url("/password-reset"),
    )
    audit.record(
        conn,
        event="session.new_device",
        actor_id=user_id,
        object=f"user:{user_id}",
        client_ip=client_ip,
        details={"device": device},
    )


def open_session(db: Database, *, user_id: int, opening: Opening, client_ip: str | None) -> str:
    """Start a session in a transaction of its own (a browser that keeps its login after a password change)."""
    public_id = db.write(lambda conn: start(conn, user_id=user_id, opening=opening, client_ip=client_ip))
    outbox.wake()
    return public_id


def touch(db: Database, *, session_id: str, last_used_at: datetime | None, client_ip: str | None) -> None:
    """Note a use of the session, when its last noted use is a minute old (the read said when)."""
    now = utcnow()
    if last_used_at is None or now - last_used_at < timedelta(seconds=TOUCH_SECONDS):
        return
    c = sessions.c
    # Conditional: two workers seeing the same old value write once between them.
    db.write(
        lambda conn: conn.execute(
            update(sessions)
            .where(c.public_id == session_id, c.last_used_at == last_used_at, c.ended_at.is_(None))
            .values(last_used_at=now, client_ip=client_ip)
        )
    )


def list_active(db: Database, *, user_id: int, token_ttl: int) -> list[Session]:
    """The user's sessions that may still act, most recently used first.

    Unused for longer than a token lives (``token_ttl``, plus the touch interval), a session has no live token left."""
    now = utcnow()
    idle = timedelta(seconds=token_ttl + TOUCH_SECONDS + LEEWAY_SECONDS)
    c = sessions.c
    query = (
        select(c.public_id, c.kind, c.device, c.client_ip, c.created_at, c.last_used_at)
        .where(c.user_id == user_id, c.ended_at.is_(None), c.expires_at > now, c.last_used_at > now - idle)
        .order_by(c.last_used_at.desc(), c.id.desc())
    )
    return [Session(*row) for row in db.read(lambda conn: conn.execute(query).all())]


def end(db: Database, *, user_id: int, session_id: object, client_ip: str | None = None) -> None:
    """End one of the user's sessions: its tokens are refused at once; another's or an unknown id is NotFound."""
    if not isinstance(session_id, str) or not 16 <= len(session_id) <= 32:
        raise NotFound("No such session.")

    def work(conn: Connection) -> None:
        if not end_one(conn, user_id=user_id, session_id=session_id):
            raise NotFound("No such session.")
        audit.record(conn, event="session.ended", actor_id=user_id, object=f"session:{session_id}", client_ip=client_ip)

    db.write(work)


def end_others(db: Database, *, user_id: int, keep: str | None, client_ip: str | None = None) -> int:
    """End every session of the user but ``keep`` (this one); how many ended."""

    def work(conn: Connection) -> int:
        c = sessions.c
        ended = _end(conn, and_(c.user_id == user_id, c.public_id != (keep or "")))
        audit.record(
            conn,
            event="session.ended_others",
            actor_id=user_id,
            object=f"user:{user_id}",
            client_ip=client_ip,
            details={"ended": ended},
        )
        return ended

    return db.write(work)


def end_one(conn: Connection, *, user_id: int, session_id: str) -> bool:
    """End one open session of the user in the caller's transaction; whether there was one."""
    return bool(_end(conn, and_(sessions.c.user_id == user_id, sessions.c.public_id == session_id)))


def end_all(conn: Connection, *, user_id: int) -> None:
    """Mark every session of the user ended, in the caller's transaction (its token_version bump refuses them)."""
    c = sessions.c
    conn.execute(update(sessions).where(c.user_id == user_id, c.ended_at.is_(None)).values(ended_at=utcnow()))


def _end(conn: Connection, which) -> int:
    """End the open sessions ``which`` selects and list each in the revocation list; how many."""
    c = sessions.c
    now = utcnow()
    rows = conn.execute(
        update(sessions)
        .where(which, c.ended_at.is_(None), c.expires_at > now)
        .values(ended_at=now)
        .returning(c.public_id, c.user_id, c.expires_at)
    ).all()
    if rows:
        conn.execute(
            insert(revoked_tokens),
            [
                # Kept as long as any of its tokens could still be accepted.
                {"jti": f"sid:{public_id}", "user_id": owner, "expires_at": expires + timedelta(seconds=LEEWAY_SECONDS)}
                for public_id, owner, expires in rows
            ],
        )
    return len(rows)
