"""Users: creating them, finding them, roles."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..db import Database
from ..domain.errors import Conflict, InvalidInput, InvisibleCharacters, NotFound
from ..domain.text import hidden_character
from ..models import users, utcnow
from ..security.passwords import check_password_policy, hash_password
from ..security.permissions import ROLES
from . import audit

EMAIL_MAX = 254
NAME_MAX = 100
# Deliberately loose: one @, no spaces, a dot in the domain. Real proof is a sent e-mail.
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s.]+")


@dataclass(frozen=True, slots=True)
class User:
    """A user as the rest of the bank sees one (never the password hash)."""

    id: int
    email: str
    name: str
    role: str
    status: str
    token_version: int
    created_at: datetime


USER_COLUMNS = [getattr(users.c, name) for name in User.__slots__]


def user_from_row(row) -> User:
    """Build a User from any row that has the user columns (and perhaps more)."""
    return User(**{name: getattr(row, name) for name in User.__slots__})


class EmailTaken(Conflict):
    """An account with this e-mail address already exists."""

    code = "email_taken"
    field = "email"


def normalize_email(email: object) -> str:
    """Lower-case and trim an e-mail address, or refuse one that does not look like one."""
    if not isinstance(email, str):
        raise InvalidInput("Enter an e-mail address.", field="email")
    email = email.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise InvalidInput("Enter a valid e-mail address.", field="email")
    return email


def check_name(name: object) -> str:
    """A trimmed display name of 1 to 100 printable characters."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("Enter your name.", field="name")
    name = name.strip()
    if len(name) > NAME_MAX:
        raise InvalidInput(f"Names are at most {NAME_MAX} characters.", field="name")
    if hidden := hidden_character(name):
        raise InvisibleCharacters(f"Names may not contain invisible or control characters ({hidden}).", field="name")
    return name


def check_role(role: object) -> str:
    """One of the bank's roles (security/permissions.py), or a refusal naming them."""
    if role not in ROLES:
        raise InvalidInput(f"Unknown role; choose one of {', '.join(ROLES)}.", field="role")
    return str(role)


def create_user(
    db: Database,
    *,
    email: str,
    name: str,
    password: str,
    role: str = "customer",
    client_ip: str | None = None,
    verified: bool = True,
) -> User:
    """Create a user (an operator's or the demo's; customers register through services/registration.py).

    The e-mail must be new (case-insensitively). An operator vouches for the address: it counts as
    verified unless ``verified`` is False.
    """
    email = normalize_email(email)
    name = check_name(name)
    password_hash = hash_password(check_password_policy(password))
    role = check_role(role)

    def work(conn: Connection) -> User:
        row = conn.execute(
            insert(users)
            .values(
                email=email,
                name=name,
                password_hash=password_hash,
                role=role,
                created_at=utcnow(),
                email_verified_at=utcnow() if verified else None,
            )
            .returning(*USER_COLUMNS)
        ).one()
        audit.record(conn, event="user.registered", actor_id=row.id, object=f"user:{row.id}", client_ip=client_ip)
        return user_from_row(row)

    try:
        return db.write(work)
    except IntegrityError as error:
        # The unique index is the only reliable check: two sign-ups can race.
        if "uq_users_email" in str(error.orig) or "users.email" in str(error.orig):
            raise EmailTaken() from None
        raise


def get_by_email(db: Database, *, email: str) -> User:
    """One user by e-mail address (any case)."""
    try:
        email = normalize_email(email)
    except InvalidInput:
        raise NotFound("No such user.") from None
    row = db.read(lambda conn: conn.execute(select(*USER_COLUMNS).where(users.c.email == email)).first())
    if row is None:
        raise NotFound("No such user.")
    return user_from_row(row)


def get(db: Database, *, user_id: int) -> User:
    """One user by id."""
    row = db.read(lambda conn: conn.execute(select(*USER_COLUMNS).where(users.c.id == user_id)).first())
    if row is None:
        raise NotFound("No such user.")
    return user_from_row(row)


def set_role(db: Database, *, email: str, role: str, actor_id: int | None = None) -> User:
    """Give a user one of the roles (customer, teller, supervisor, auditor); audited with who did it."""
    role = check_role(role)
    user = get_by_email(db, email=email)

    def work(conn: Connection) -> None:
        conn.execute(update(users).where(users.c.id == user.id).values(role=role))
        audit.record(
            conn,
            event="admin.role_changed",
            actor_id=actor_id,
            object=f"user:{user.id}",
            details={"role": role, "was": user.role},
        )

    db.write(work)
    return get(db, user_id=user.id)
