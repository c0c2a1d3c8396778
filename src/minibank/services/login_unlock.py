"""Unlock for the owner: during a login lockout, a single-use link by e-mail lets the owner back in."""

import time

from sqlalchemy import Connection, select

from ..db import Database
from ..domain.errors import BankError
from ..domain.text import how_long
from ..mail import outbox
from ..mail.links import Links
from ..models import users
from ..security.throttle import LoginThrottle
from . import audit, email_links
from .users import normalize_email

# How long an unlock link, and the pass it gives the browser that follows it, last.
UNLOCK_TTL = 900
# Seconds every request for a link takes at least, known address or not (the work takes a few ms).
ANSWER_AFTER = 0.05


def request_unlock(db: Database, *, email: object, links: Links, client_ip=None) -> None:
    """Send an unlock link when the address belongs to an active user; answer the same way, as late, when it does not."""
    started = time.monotonic()
    try:
        address: str | None = normalize_email(email)
    except BankError:
        address = None  # nothing to look up, but the same transaction

    def work(conn: Connection) -> None:
        user = conn.execute(
            select(users.c.id, users.c.name).where(users.c.email == address, users.c.status == "active")
        ).first()
        if user is None or address is None:
            audit.record(conn, event="login.unlock_unknown", client_ip=client_ip, outcome="denied")
            return
        token = email_links.issue(conn, user_id=user.id, purpose="unlock", ttl=UNLOCK_TTL)
        outbox.queue(
            conn,
            to=address,
            template="login_unlock",
            domain=links.domain,
            name=user.name,
            link=links.url("/login/unlock/confirm", token=token),
            expires_in=how_long(UNLOCK_TTL).removeprefix("about "),
            reset_link=links.url("/password-reset"),
        )
        audit.record(
            conn, event="login.unlock_requested", actor_id=user.id, object=f"user:{user.id}", client_ip=client_ip
        )

    db.write(work)
    outbox.wake()
    # Storing a link and a message takes a few milliseconds more than noting an unknown address:
    # every answer waits until the same moment, so the time says nothing (gevent's sleep yields).
    time.sleep(max(0.0, ANSWER_AFTER - (time.monotonic() - started)))


def link_is_usable(db: Database, *, token: object) -> bool:
    """Whether an unlock link would be accepted now (to show its button)."""
    return db.read(lambda conn: email_links.is_usable(conn, token=token, purpose="unlock"))


def unlock(db: Database, throttle: LoginThrottle, *, token: object, client_ip=None) -> str:
    """Use an unlock link (once): the e-mail's failed logins are forgotten; the e-mail, for the browser's pass."""

    def work(conn: Connection) -> str:
        user_id = email_links.consume(conn, token=token, purpose="unlock")
        email_links.retire(conn, user_id=user_id, purpose="unlock")
        audit.record(conn, event="login.unlocked", actor_id=user_id, object=f"user:{user_id}", client_ip=client_ip)
        return conn.execute(select(users.c.email).where(users.c.id == user_id)).scalar_one()

    email = db.write(work)
    throttle.unlock(email, client_ip)
    return email
