"""Forgotten passwords: a single-use link by e-mail, and a new password that ends every session."""

from sqlalchemy import Connection, select

from ..db import Database
from ..domain.errors import BankError
from ..domain.text import how_long
from ..mail import outbox
from ..mail.links import Links
from ..models import users
from ..security import passwords
from . import audit, email_links
from .password_change import replace_password
from .users import normalize_email


def request_reset(db: Database, *, email: object, links: Links, client_ip=None) -> None:
    """Send a reset link when the address belongs to an active user; answer the same way when it does not."""
    try:
        address = normalize_email(email)
    except BankError:
        return  # nothing to look up; the view answers "check your inbox" all the same

    def work(conn: Connection) -> None:
        user = conn.execute(
            select(users.c.id, users.c.name).where(users.c.email == address, users.c.status == "active")
        ).first()
        if user is None:
            audit.record(conn, event="password.reset_unknown", client_ip=client_ip, outcome="denied")
            return
        token = email_links.issue(conn, user_id=user.id, purpose="reset", ttl=links.reset_ttl)
        outbox.queue(
            conn,
            to=address,
            template="password_reset",
            domain=links.domain,
            name=user.name,
            link=links.url("/password-reset/confirm", token=token),
            expires_in=how_long(links.reset_ttl).removeprefix("about "),
        )
        audit.record(
            conn, event="password.reset_requested", actor_id=user.id, object=f"user:{user.id}", client_ip=client_ip
        )

    db.write(work)
    outbox.wake()


def link_is_usable(db: Database, *, token: object) -> bool:
    """Whether a reset link would be accepted now (to show its form)."""
    return db.read(lambda conn: email_links.is_usable(conn, token=token, purpose="reset"))


def reset_password(db: Database, *, token: object, new_password: object, links: Links, client_ip=None) -> None:
    """Set a new password by a reset link (once): every session and token of the user ends; audited."""
    new_hash = passwords.hash_password(passwords.check_password_policy(new_password, field="new_password"))

    def work(conn: Connection) -> None:
        user_id = email_links.consume(conn, token=token, purpose="reset")
        email_links.retire(conn, user_id=user_id, purpose="reset")
        replace_password(conn, user_id=user_id, new_hash=new_hash, how="reset", links=links, client_ip=client_ip)

    db.write(work)
    outbox.wake()
