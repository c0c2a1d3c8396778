"""Changing a password, knowing the current one: every other session ends and the owner is mailed."""

from sqlalchemy import Connection, select, update

from ..db import Database
from ..domain.errors import NotFound
from ..mail import outbox
from ..mail.links import Links
from ..metrics import LOGIN_FAILURES
from ..models import users
from ..security import passwords
from ..security.throttle import LoginThrottle
from . import audit, auth, sessions
from .users import User, get


def change_password(
    db: Database,
    throttle: LoginThrottle,
    *,
    user_id: int,
    current_password: object,
    new_password: object,
    links: Links,
    client_ip: str | None = None,
) -> User:
    """Replace the password after checking the current one; every existing token stops working; the owner is mailed.

    A wrong current password counts as a failed login for the user's e-mail: a stolen session
    must not become a way to guess the password without the login's lockout.
    """
    row = db.read(
        lambda conn: conn.execute(select(users.c.password_hash, users.c.email).where(users.c.id == user_id)).first()
    )
    if row is None:
        raise NotFound("No such user.")
    wait = throttle.retry_after(row.email, client_ip)
    if wait is not None:
        raise auth.LoginThrottled(wait)
    if not isinstance(current_password, str) or not passwords.verify_password(row.password_hash, current_password):
        throttle.failed(row.email, client_ip)
        LOGIN_FAILURES.inc()
        auth.record(db, "password.change_failed", user_id, client_ip, outcome="failure")
        if throttle.retry_after(row.email, client_ip) is not None:
            auth.record(db, "login.lockout", user_id, client_ip, outcome="locked")
        raise auth.InvalidCredentials("The current password is incorrect.", field="current_password")
    throttle.succeeded(row.email, client_ip)
    new_hash = passwords.hash_password(passwords.check_password_policy(new_password, field="new_password"))

    def work(conn: Connection) -> None:
        replace_password(conn, user_id=user_id, new_hash=new_hash, how="changed", links=links, client_ip=client_ip)

    db.write(work)
    outbox.wake()
    return get(db, user_id=user_id)


def replace_password(conn: Connection, *, user_id: int, new_hash: str, how: str, links: Links, client_ip=None) -> None:
    """Store a new password hash ("changed" or "reset"): every session and token ends, audited, the owner told."""
    user = conn.execute(
        update(users)
        .where(users.c.id == user_id)
        # A new token_version: every session cookie and API token issued before stops working.
        .values(password_hash=new_hash, token_version=users.c.token_version + 1)
        .returning(users.c.email, users.c.name)
    ).one()
    sessions.end_all(conn, user_id=user_id)
    audit.record(conn, event=f"password.{how}", actor_id=user_id, object=f"user:{user_id}", client_ip=client_ip)
    outbox.queue(
        conn,
        to=user.email,
        template="password_changed",
        domain=links.domain,
        name=user.name,
        how=how,
        reset_link=links.url("/password-reset"),
    )
