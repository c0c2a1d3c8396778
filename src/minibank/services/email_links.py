"""Single-use links sent by e-mail: a random token in the link, only its SHA-256 in the database."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import Connection, insert, select, update

from ..domain.errors import BankError
from ..models import email_tokens, utcnow


class InvalidLink(BankError):
    """This link is not valid: it may have expired or been used already."""

    code = "invalid_link"


def token_hash(token: str) -> str:
    """What is stored for a token: a fast hash is enough, as the token has 256 random bits."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue(conn: Connection, *, user_id: int, purpose: str, ttl: int) -> str:
    """Store a new link for ``purpose`` in ``conn``'s transaction; the token for the link (shown once)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    conn.execute(
        insert(email_tokens).values(
            user_id=user_id,
            purpose=purpose,
            token_hash=token_hash(token),
            expires_at=now + timedelta(seconds=ttl),
            created_at=now,
        )
    )
    return token


def consume(conn: Connection, *, token: object, purpose: str) -> int:
    """Use a link once: the user it was for, or InvalidLink when unknown, expired or used (one UPDATE: no race)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise InvalidLink()
    now = utcnow()
    c = email_tokens.c
    user_id = conn.execute(
        update(email_tokens)
        .where(c.token_hash == token_hash(token), c.purpose == purpose, c.used_at.is_(None), c.expires_at > now)
        .values(used_at=now)
        .returning(c.user_id)
    ).scalar()
    if user_id is None:
        raise InvalidLink()
    return user_id


def is_usable(conn: Connection, *, token: object, purpose: str) -> bool:
    """Whether the link would be accepted now (to show its form), without using it."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return False
    c = email_tokens.c
    query = select(c.id).where(
        c.token_hash == token_hash(token), c.purpose == purpose, c.used_at.is_(None), c.expires_at > utcnow()
    )
    return conn.execute(query).first() is not None


def retire(conn: Connection, *, user_id: int, purpose: str) -> None:
    """Use up every open link of the user for ``purpose`` (after one of them worked)."""
    c = email_tokens.c
    conn.execute(
        update(email_tokens)
        .where(c.user_id == user_id, c.purpose == purpose, c.used_at.is_(None))
        .values(used_at=utcnow())
    )
