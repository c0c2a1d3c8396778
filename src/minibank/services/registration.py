"""Registration that tells no one whether an e-mail banks here, and verifying an address by its link."""

from sqlalchemy import Connection, insert, select, update

from ..db import Database
from ..domain.errors import BankError
from ..domain.text import how_long
from ..mail import outbox
from ..mail.links import Links
from ..models import users, utcnow
from ..security.passwords import check_password_policy, hash_password
from . import audit, email_links
from .users import check_name, normalize_email


class EmailNotVerified(BankError):
    """Confirm your e-mail address before sending money: follow the link in the e-mail we sent you."""

    code = "email_not_verified"


def register(db: Database, *, email: object, name: object, password: object, links: Links, client_ip=None) -> None:
    """Register a customer, or tell the address's owner that someone tried: the caller cannot tell which.

    Both branches check and hash the password (the slow part) and queue one message in one
    write transaction, so that the answer and its timing are the same.
    """
    email = normalize_email(email)
    name = check_name(name)
    password_hash = hash_password(check_password_policy(password))

    def work(conn: Connection) -> None:
        existing = conn.execute(select(users.c.id, users.c.name).where(users.c.email == email)).first()
        if existing is not None:
            outbox.queue(
                conn,
                to=email,
                template="registered_again",
                domain=links.domain,
                name=existing.name,
                login_link=links.url("/"),
                reset_link=links.url("/password-reset"),
            )
            audit.record(
                conn,
                event="user.register_existing",
                object=f"user:{existing.id}",
                client_ip=client_ip,
                outcome="denied",
            )
            return
        user_id = conn.execute(
            insert(users)
            .values(email=email, name=name, password_hash=password_hash, role="customer", created_at=utcnow())
            .returning(users.c.id)
        ).scalar_one()
        audit.record(conn, event="user.registered", actor_id=user_id, object=f"user:{user_id}", client_ip=client_ip)
        token = email_links.issue(conn, user_id=user_id, purpose="verify", ttl=links.verify_ttl)
        outbox.queue(
            conn,
            to=email,
            template="verify_email",
            domain=links.domain,
            name=name,
            link=links.url("/verify-email", token=token),
            expires_in=how_long(links.verify_ttl).removeprefix("about "),
        )

    # Two sign-ups for one address can race; the loser runs again and takes the "existing" branch.
    db.write(work, retry_unique=("uq_users_email", "users.email"))
    outbox.wake()


def verify_email(db: Database, *, token: object, client_ip=None) -> None:
    """Mark the address verified by its link (once); InvalidLink when it is unknown, used or expired."""

    def work(conn: Connection) -> None:
        user_id = email_links.consume(conn, token=token, purpose="verify")
        conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.email_verified_at.is_(None))
            .values(email_verified_at=utcnow())
        )
        audit.record(conn, event="email.verified", actor_id=user_id, object=f"user:{user_id}", client_ip=client_ip)

    db.write(work)


def mark_verified(db: Database, *, user_id: int) -> None:
    """Take an address as verified without a link: an operator created the user."""
    statement = update(users).where(users.c.id == user_id, users.c.email_verified_at.is_(None))
    db.write(lambda conn: conn.execute(statement.values(email_verified_at=utcnow())))


def check_may_send(db: Database, *, user_id: int, required: bool) -> None:
    """Refuse EmailNotVerified when verified e-mail is required (MINIBANK_REQUIRE_VERIFIED_EMAIL) and missing."""
    if not required:
        return
    query = select(users.c.email_verified_at).where(users.c.id == user_id)
    if db.read(lambda conn: conn.execute(query).scalar()) is None:
        raise EmailNotVerified()
