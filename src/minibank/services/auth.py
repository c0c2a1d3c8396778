"""Logging in and out, disabling users, and checking the session behind each request."""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..db import Database
from ..domain.errors import BankError, Conflict, InvalidSecondFactor, NotFound, SecondFactorRequired
from ..domain.text import how_long
from ..mail import outbox
from ..metrics import LOGIN_FAILURES
from ..models import revoked_tokens, totp_credentials, users
from ..security import passwords
from ..security.throttle import LoginThrottle
from ..security.tokens import Claims, session_is_valid
from ..store import reads
from . import audit, second_factor, sessions
from .users import USER_COLUMNS, User, normalize_email, user_from_row


class InvalidCredentials(BankError):
    """The e-mail address or password is incorrect."""

    code = "invalid_credentials"


class LoginThrottled(BankError):
    """Too many failed attempts; try again later."""

    code = "too_many_attempts"
    retry_after: int

    def __init__(self, retry_after: int):
        super().__init__(
            f"Too many failed attempts; try again in {how_long(retry_after)}, or ask for an unlock link by e-mail."
        )
        self.retry_after = retry_after


@cache
def _dummy_hash() -> str:
    # Verified against for unknown e-mails so that they take as long as known ones.
    return passwords.hash_password("no such user; constant-time filler")


@dataclass(frozen=True, slots=True)
class Login:
    """A successful login: the user and the session it started (None when none was asked for)."""

    user: User
    session_id: str | None


def authenticate(
    db: Database,
    throttle: LoginThrottle,
    *,
    email: object,
    password: object,
    client_ip: str | None = None,
    otp: object = None,
    opening: sessions.Opening | None = None,
    unlocked: bool = False,
) -> Login:
    """Check e-mail and password and start a session (``opening``); otherwise one indistinguishable refusal.

    A user with two-factor authentication needs ``otp`` too (a code from the app or a recovery
    code): without it the refusal is SecondFactorRequired, naming the user for the web's second page.
    ``unlocked``: the caller holds a pass from the owner's unlock link for this e-mail, which
    lifts the lockout by e-mail (the limit per client address still holds)."""
    email_text = email.strip().lower() if isinstance(email, str) else ""
    # Checked before the e-mail is looked up: an unknown address is throttled like a known one.
    wait = throttle.retry_after(email_text, client_ip, unlocked=unlocked)
    if wait is not None:
        raise LoginThrottled(wait)
    row = _find_credentials(db, email_text)
    password_ok = isinstance(password, str) and passwords.verify_password(
        row.password_hash if row else _dummy_hash(), password
    )
    if row is None or not password_ok or row.status != "active":
        throttle.failed(email_text, client_ip)
        LOGIN_FAILURES.inc()
        user_id = row.id if row else None
        record(db, "login.failed", user_id, client_ip, outcome="failure")
        if throttle.retry_after(email_text, client_ip, unlocked=unlocked) is not None:
            record(db, "login.lockout", user_id, client_ip, outcome="locked")
        raise InvalidCredentials()
    # password_ok means the password is text; the isinstance says so to the type checker too.
    if isinstance(password, str) and passwords.needs_rehash(row.password_hash):
        _set_password_hash(db, row.id, passwords.hash_password(password))
    if row.second_factor_since is not None:
        # The failures are not forgotten yet: the right password must not buy more guesses at the code.
        if otp is None:
            record(db, "login.second_factor_asked", row.id, client_ip)
            raise SecondFactorRequired(user_id=row.id)
        return complete_login(
            db, throttle, user_id=row.id, code=otp, client_ip=client_ip, opening=opening, unlocked=unlocked
        )
    throttle.succeeded(email_text, client_ip)

    def work(conn: Connection) -> str | None:
        _audit(conn, "login.succeeded", row.id, client_ip)
        return sessions.start(conn, user_id=row.id, opening=opening, client_ip=client_ip) if opening else None

    session_id = db.write(work)
    outbox.wake()
    return Login(user_from_row(row), session_id)


def complete_login(
    db: Database,
    throttle: LoginThrottle,
    *,
    user_id: int,
    code: object,
    client_ip: str | None = None,
    opening: sessions.Opening | None = None,
    unlocked: bool = False,
) -> Login:
    """Finish a login whose password was right with the second factor; a wrong code counts as a failed login."""
    row = db.read(lambda conn: conn.execute(select(*USER_COLUMNS).where(users.c.id == user_id)).first())
    if row is None or row.status != "active":
        raise InvalidCredentials()
    wait = throttle.retry_after(row.email, client_ip, unlocked=unlocked)
    if wait is not None:
        raise LoginThrottled(wait)

    def work(conn: Connection) -> tuple[str, str | None] | None:
        how = second_factor.consume(conn, user_id=user_id, code=code)
        if how is None:
            return None
        audit.record(
            conn,
            event="login.succeeded",
            actor_id=user_id,
            object=f"user:{user_id}",
            client_ip=client_ip,
            details={"second_factor": how},
        )
        return how, sessions.start(conn, user_id=user_id, opening=opening, client_ip=client_ip) if opening else None

    done = db.write(work)
    if done is None:
        throttle.failed(row.email, client_ip)
        LOGIN_FAILURES.inc()
        record(db, "login.second_factor_failed", user_id, client_ip, outcome="failure")
        if throttle.retry_after(row.email, client_ip, unlocked=unlocked) is not None:
            record(db, "login.lockout", user_id, client_ip, outcome="locked")
        raise InvalidSecondFactor()
    throttle.succeeded(row.email, client_ip)
    outbox.wake()
    return Login(user_from_row(row), done[1])


def _find_credentials(db: Database, email: str):
    try:
        email = normalize_email(email)
    except BankError:
        return None
    query = (
        select(*USER_COLUMNS, users.c.password_hash, totp_credentials.c.confirmed_at.label("second_factor_since"))
        .outerjoin(totp_credentials, totp_credentials.c.user_id == users.c.id)
        .where(users.c.email == email)
    )
    return db.read(lambda conn: conn.execute(query).first())


def _set_password_hash(db: Database, user_id: int, password_hash: str) -> None:
    db.write(lambda conn: conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash)))


def record(db: Database, event: str, actor_id, client_ip, outcome: str = "success") -> None:
    """Audit a login event about ``actor_id`` in a transaction of its own."""
    db.write(lambda conn: _audit(conn, event, actor_id, client_ip, outcome))


def _audit(conn: Connection, event: str, actor_id, client_ip, outcome: str = "success") -> None:
    audit.record(
        conn,
        event=event,
        actor_id=actor_id,
        object=f"user:{actor_id}" if actor_id else None,
        client_ip=client_ip,
        outcome=outcome,
    )


def session_user(db: Database, claims: Claims, client_ip: str | None = None) -> User | None:
    """The active user a verified token speaks for, or None if it or its session is revoked, outdated or disabled."""
    # On every authenticated request: one statement, in autocommit (and a write at most once a minute).
    found = db.read(
        lambda conn: reads.session_user(conn, user_id=claims.user_id, jti=claims.jti, session_id=claims.session_id)
    )
    if found is None:
        return None
    columns, revoked, last_used_at = found
    user = User(*columns)
    if not session_is_valid(claims, status=user.status, token_version=user.token_version, revoked=revoked):
        return None
    if claims.session_id:
        sessions.touch(db, session_id=claims.session_id, last_used_at=last_used_at, client_ip=client_ip)
    return user


def revoke(db: Database, *, claims: Claims, client_ip: str | None = None) -> None:
    """Revoke one token and end its session (logout): every worker and host refuses it from now on."""

    def work(conn: Connection) -> None:
        if claims.session_id:
            sessions.end_one(conn, user_id=claims.user_id, session_id=claims.session_id)
        conn.execute(
            insert(revoked_tokens).values(
                jti=claims.jti,
                user_id=claims.user_id,
                expires_at=datetime.fromtimestamp(claims.expires_at, UTC),
            )
        )
        audit.record(
            conn, event="token.revoked", actor_id=claims.user_id, object=f"user:{claims.user_id}", client_ip=client_ip
        )

    try:
        db.write(work)
    except IntegrityError:
        pass  # already revoked: revoking twice is the same as once


def set_status(db: Database, *, user_id: int, status: str, actor_id: int | None, client_ip: str | None = None) -> None:
    """Disable or re-enable a user; disabling revokes every token the user holds."""
    if status not in ("active", "disabled"):
        raise BankError("Unknown status.")
    if status == "disabled" and actor_id == user_id:
        # Nobody locks themselves out by a slip: the last administrator could not get back in.
        raise Conflict("You cannot disable your own account; ask another administrator.")

    def work(conn: Connection) -> None:
        done = conn.execute(
            update(users).where(users.c.id == user_id).values(status=status, token_version=users.c.token_version + 1)
        ).rowcount
        if not done:
            raise NotFound("No such user.")
        if status == "disabled":
            sessions.end_all(conn, user_id=user_id)
        audit.record(
            conn, event=f"admin.user_{status}", actor_id=actor_id, object=f"user:{user_id}", client_ip=client_ip
        )

    db.write(work)
