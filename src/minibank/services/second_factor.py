"""The second factor at login: a code from the app (each time step once) or a recovery code (each once)."""

import time

from sqlalchemy import Connection, func, or_, select, update

from ..db import Database
from ..models import recovery_codes, totp_credentials, utcnow
from ..security import recovery_codes as codes
from ..security import totp


def is_enabled(db: Database, *, user_id: int) -> bool:
    """Whether the user has confirmed an authenticator app (so login asks for a code)."""
    return db.read(lambda conn: enabled_in(conn, user_id=user_id))


def enabled_in(conn: Connection, *, user_id: int) -> bool:
    """``is_enabled`` inside the caller's transaction."""
    query = select(totp_credentials.c.user_id).where(
        totp_credentials.c.user_id == user_id, totp_credentials.c.confirmed_at.is_not(None)
    )
    return conn.execute(query).first() is not None


def recovery_codes_left(conn: Connection, *, user_id: int) -> int:
    """How many of the user's recovery codes are still unused."""
    query = select(func.count()).where(recovery_codes.c.user_id == user_id, recovery_codes.c.used_at.is_(None))
    return conn.execute(query).scalar_one()


def consume(conn: Connection, *, user_id: int, code: object, now: float | None = None) -> str | None:
    """Accept and use up ``code`` for the user's confirmed second factor: "totp" or "recovery_code"; None if wrong.

    Both checks end in a conditional UPDATE, so two requests racing with one code cannot both win:
    on PostgreSQL the second waits for the first's row lock and then finds its condition false.
    """
    if totp.normalize_code(code) is not None:
        return "totp" if _consume_totp(conn, user_id, code, time.time() if now is None else now) else None
    return "recovery_code" if _consume_recovery_code(conn, user_id, code) else None


def _consume_totp(conn: Connection, user_id: int, code: object, now: float) -> bool:
    row = conn.execute(
        select(totp_credentials.c.secret, totp_credentials.c.last_step).where(
            totp_credentials.c.user_id == user_id, totp_credentials.c.confirmed_at.is_not(None)
        )
    ).first()
    if row is None:
        return False
    step = totp.matching_step(row.secret, code, now=now, last_step=row.last_step)
    if step is None:
        return False
    return bool(
        conn.execute(
            update(totp_credentials)
            .where(
                totp_credentials.c.user_id == user_id,
                or_(totp_credentials.c.last_step.is_(None), totp_credentials.c.last_step < step),
            )
            .values(last_step=step)
        ).rowcount
    )


def _consume_recovery_code(conn: Connection, user_id: int, code: object) -> bool:
    normal = codes.normalize(code)
    if normal is None:
        return False
    return bool(
        conn.execute(
            update(recovery_codes)
            .where(
                recovery_codes.c.user_id == user_id,
                recovery_codes.c.code_hash == codes.digest(normal),
                recovery_codes.c.used_at.is_(None),
            )
            .values(used_at=utcnow())
        ).rowcount
    )
