"""A login whose password was right, waiting for its second factor: in the signed session cookie, for a few minutes."""

import time

from flask import session

KEY = "pending_login"
LIFETIME = 5 * 60


def begin(user_id: int | None, after: str | None, *, unlocked: bool = False) -> None:
    """Remember, for this browser only, that ``user_id`` gave the right password (where to go after, and
    whether an unlock link let it past the lockout by e-mail)."""
    session[KEY] = {"user": user_id, "next": after, "at": int(time.time()), "unlocked": unlocked}


def current() -> dict | None:
    """The pending login, when there is one and it is fresh; a stale one is forgotten."""
    pending = session.get(KEY)
    if not isinstance(pending, dict):
        return None
    at, user = pending.get("at"), pending.get("user")
    if not isinstance(at, int) or not isinstance(user, int) or not 0 <= time.time() - at <= LIFETIME:
        session.pop(KEY, None)
        return None
    return pending


def forget() -> None:
    """Drop the pending login (a session start clears it too)."""
    session.pop(KEY, None)
