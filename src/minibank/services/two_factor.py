"""Two-factor authentication: setting up an authenticator app, and who must have one; all audited."""

import time
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from ..db import Database
from ..domain.errors import Conflict, InvalidSecondFactor, SecondFactorEnrolmentRequired
from ..mail import outbox
from ..mail.links import Links
from ..models import recovery_codes, totp_credentials, utcnow
from ..security import recovery_codes as codes
from ..security import totp
from ..security.permissions import second_factor_required
from . import audit, second_factor
from .users import User


@dataclass(frozen=True, slots=True)
class Status:
    """Where a user stands: on (with how many recovery codes left), or an app being set up, or neither."""

    enabled: bool
    enrolling: bool
    recovery_codes_left: int


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What the set-up page shows: the secret as text and as a QR code."""

    secret: str
    uri: str
    qr_svg: str


def status(db: Database, *, user_id: int) -> Status:
    """Whether two-factor authentication is on, or being set up, for the user."""

    def work(conn: Connection) -> Status:
        row = conn.execute(select(totp_credentials.c.confirmed_at).where(totp_credentials.c.user_id == user_id)).first()
        left = second_factor.recovery_codes_left(conn, user_id=user_id) if row and row.confirmed_at else 0
        return Status(
            enabled=bool(row and row.confirmed_at),
            enrolling=bool(row and not row.confirmed_at),
            recovery_codes_left=left,
        )

    return db.read(work, snapshot=True)


def start(db: Database, *, user: User, client_ip=None) -> None:
    """Begin setting up an app with a fresh secret (replacing an unfinished one); off until confirmed."""

    def work(conn: Connection) -> None:
        if second_factor.enabled_in(conn, user_id=user.id):
            raise Conflict("Two-factor authentication is already on.")
        conn.execute(delete(totp_credentials).where(totp_credentials.c.user_id == user.id))
        conn.execute(insert(totp_credentials).values(user_id=user.id, secret=totp.new_secret(), created_at=utcnow()))
        audit.record(
            conn, event="two_factor.setup_started", actor_id=user.id, object=f"user:{user.id}", client_ip=client_ip
        )

    db.write(work)


def enrolment(db: Database, *, user: User) -> Enrolment | None:
    """The unfinished set-up's secret, link and QR code, or None when none is under way."""
    query = select(totp_credentials.c.secret).where(
        totp_credentials.c.user_id == user.id, totp_credentials.c.confirmed_at.is_(None)
    )
    secret = db.read(lambda conn: conn.execute(query).scalar_one_or_none())
    if secret is None:
        return None
    uri = totp.provisioning_uri(secret, account=user.email)
    return Enrolment(secret=secret, uri=uri, qr_svg=totp.qr_svg(uri))


def confirm(
    db: Database, *, user: User, code: object, links: Links, client_ip=None, now: float | None = None
) -> list[str]:
    """Turn it on with a first code from the app; the ten new recovery codes, to show once."""
    fresh = codes.generate()

    def work(conn: Connection) -> None:
        row = conn.execute(
            select(totp_credentials.c.secret).where(
                totp_credentials.c.user_id == user.id, totp_credentials.c.confirmed_at.is_(None)
            )
        ).first()
        if row is None:
            raise Conflict("There is no set-up under way: start again.")
        step = totp.matching_step(row.secret, code, now=time.time() if now is None else now, last_step=None)
        if step is None:
            raise InvalidSecondFactor("The code is incorrect: type the 6 digits the app shows now.", field="code")
        conn.execute(
            update(totp_credentials)
            .where(totp_credentials.c.user_id == user.id)
            .values(confirmed_at=utcnow(), last_step=step)
        )
        replace_recovery_codes(conn, user.id, fresh)
        audit.record(conn, event="two_factor.enabled", actor_id=user.id, object=f"user:{user.id}", client_ip=client_ip)
        tell_owner(conn, user, "second_factor_added", links)

    db.write(work)
    outbox.wake()
    return fresh


def check_enrolled(db: Database, *, user: User, production: bool, client_ip=None) -> None:
    """Refuse staff without a second factor where one is required (production); audited."""
    if second_factor_required(user.role, production=production) and not second_factor.is_enabled(db, user_id=user.id):
        db.write(
            lambda conn: audit.record(
                conn,
                event="login.setup_required",
                actor_id=user.id,
                object=f"user:{user.id}",
                client_ip=client_ip,
                outcome="denied",
            )
        )
        raise SecondFactorEnrolmentRequired()


def replace_recovery_codes(conn: Connection, user_id: int, fresh: list[str]) -> None:
    """Store the hashes of ``fresh`` as the user's recovery codes; every older code stops working."""
    conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
    now = utcnow()
    conn.execute(
        insert(recovery_codes),
        [{"user_id": user_id, "code_hash": codes.digest(code), "created_at": now} for code in fresh],
    )


def tell_owner(conn: Connection, user: User, template: str, links: Links) -> None:
    """Queue the e-mail that tells the owner their second factor changed, in the change's transaction."""
    outbox.queue(
        conn,
        to=user.email,
        template=template,
        domain=links.domain,
        name=user.name,
        reset_link=links.url("/password-reset"),
    )
