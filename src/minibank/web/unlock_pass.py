"""The pass an unlock link gives the browser that followed it: signed, short-lived, for one e-mail."""

import hashlib
import time

from flask import session

from ..services.login_unlock import UNLOCK_TTL

_KEY = "unlock_pass"


def _digest(email: object) -> str:
    text = email.strip().lower() if isinstance(email, str) else ""
    return hashlib.sha256(text.encode()).hexdigest()


def grant(email: str) -> None:
    """Let this browser past the lockout by e-mail for ``email``, for the next 15 minutes."""
    # In the signed session cookie, which a login clears: the pass serves one login at most.
    session[_KEY] = {"email": _digest(email), "until": int(time.time()) + UNLOCK_TTL}


def holds(email: object) -> bool:
    """Whether this browser holds an unexpired pass for ``email``."""
    held = session.get(_KEY)
    return isinstance(held, dict) and held.get("email") == _digest(email) and held.get("until", 0) > time.time()
