"""Who is calling: Bearer tokens for the API, the session cookie for the web; role checks."""

import functools

from flask import current_app, g, request

from ..domain.errors import Forbidden, Unauthenticated
from ..extensions import db
from ..services import auth
from . import tokens


def user_from_token(token: str, audience: str):
    """The active user behind a token, or None when the token is unacceptable in any way."""
    try:
        claims = tokens.verify(token, keys=current_app.config["JWT_KEYS"], audience=audience)
    except tokens.InvalidToken:
        return None, None
    user = auth.session_user(db, claims)
    return (user, claims) if user is not None else (None, None)


def remember(user, claims) -> None:
    """Make the caller known to the rest of this request (views, logs, limits)."""
    g.user, g.claims, g.user_id = user, claims, user.id if user else None


def load_bearer_user() -> None:
    """Authenticate an API request from its Authorization header only (never the cookie)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        remember(*user_from_token(token.strip(), tokens.AUDIENCE_API))
    else:
        remember(None, None)


def current_user():
    """The authenticated user of this request, or None."""
    return g.get("user")


def require_user():
    """The authenticated user, or an Unauthenticated refusal."""
    user = current_user()
    if user is None:
        raise Unauthenticated()
    return user


def require_admin():
    """The authenticated admin, or a refusal (401 anonymous, 403 customer)."""
    user = require_user()
    if user.role != "admin":
        raise Forbidden()
    return user


def admin_only(view):
    """Decorate a view that only tellers (role admin) may use."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        require_admin()
        return view(*args, **kwargs)

    return wrapper


def user_key() -> str:
    """Rate-limit key for per-user limits: the user id, else the address."""
    user = current_user()
    return f"user:{user.id}" if user else f"addr:{request.remote_addr}"
