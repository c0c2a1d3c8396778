"""Changes to two-factor authentication that need a current code: new recovery codes, turning it off."""

from collections.abc import Callable

from sqlalchemy import Connection, delete, select

from ..db import Database
from ..domain.errors import Conflict, InvalidSecondFactor
from ..mail import outbox
from ..mail.links import Links
from ..models import recovery_codes, totp_credentials, users
from ..security import passwords
from ..security import recovery_codes as codes
from ..security.permissions import second_factor_required
from ..security.throttle import LoginThrottle
from . import audit, second_factor
from .auth import InvalidCredentials, LoginThrottled
from .two_factor import replace_recovery_codes, tell_owner
from .users import User

WRONG_CODE = "The code is incorrect, or was already used."


def regenerate_codes(db: Database, throttle: LoginThrottle, *, user: User, code: object, client_ip=None) -> list[str]:
    """Ten new recovery codes for a current code (from the app, or a recovery code); the old ones stop working."""
    fresh = codes.generate()

    def work(conn: Connection) -> None:
        _use_code(conn, user, code)
        replace_recovery_codes(conn, user.id, fresh)
        audit.record(
            conn, event="two_factor.codes_regenerated", actor_id=user.id, object=f"user:{user.id}", client_ip=client_ip
        )

    _guarded(db, throttle, user, client_ip, work)
    return fresh


def disable(
    db: Database,
    throttle: LoginThrottle,
    *,
    user: User,
    password: object,
    code: object,
    links: Links,
    production: bool,
    client_ip=None,
) -> None:
    """Turn it off with the password and a current code; wrong ones count as failed logins."""
    if second_factor_required(user.role, production=production):
        raise Conflict("Staff must keep two-factor authentication on.")

    def check_password() -> None:
        query = select(users.c.password_hash).where(users.c.id == user.id)
        password_hash = db.read(lambda conn: conn.execute(query).scalar_one())
        if not isinstance(password, str) or not passwords.verify_password(password_hash, password):
            raise InvalidCredentials("The password is incorrect.", field="password")

    def work(conn: Connection) -> None:
        _use_code(conn, user, code)
        conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user.id))
        conn.execute(delete(totp_credentials).where(totp_credentials.c.user_id == user.id))
        audit.record(conn, event="two_factor.disabled", actor_id=user.id, object=f"user:{user.id}", client_ip=client_ip)
        tell_owner(conn, user, "second_factor_removed", links)

    _guarded(db, throttle, user, client_ip, work, before=check_password)
    outbox.wake()


def reset_by_operator(db: Database, *, user: User, links: Links) -> bool:
    """Turn it off for a user who lost both the phone and the codes (`minibank reset-two-factor`); False if it was off."""

    def work(conn: Connection) -> bool:
        removed = conn.execute(delete(totp_credentials).where(totp_credentials.c.user_id == user.id)).rowcount
        conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user.id))
        if removed:
            audit.record(conn, event="two_factor.reset", object=f"user:{user.id}", details={"by": "operator"})
            tell_owner(conn, user, "second_factor_removed", links)
        return bool(removed)

    removed = db.write(work)
    outbox.wake()
    return removed


def _use_code(conn: Connection, user: User, code: object) -> None:
    if second_factor.consume(conn, user_id=user.id, code=code) is None:
        raise InvalidSecondFactor(WRONG_CODE, field="code")


def _guarded(
    db: Database,
    throttle: LoginThrottle,
    user: User,
    client_ip,
    work: Callable[[Connection], None],
    before: Callable[[], None] | None = None,
) -> None:
    """Run ``before`` (the slow password check, outside the transaction) and ``work`` under the login's
    lockout: a wrong password or code changes nothing and counts as a failed login.

    A stolen session must not become a way to guess the password or the codes without the lockout.
    """
    wait = throttle.retry_after(user.email, client_ip)
    if wait is not None:
        raise LoginThrottled(wait)
    try:
        if before is not None:
            before()
        db.write(work)
    except (InvalidCredentials, InvalidSecondFactor):
        throttle.failed(user.email, client_ip)
        db.write(
            lambda conn: audit.record(
                conn,
                event="two_factor.check_failed",
                actor_id=user.id,
                object=f"user:{user.id}",
                client_ip=client_ip,
                outcome="failure",
            )
        )
        raise
    throttle.succeeded(user.email, client_ip)
