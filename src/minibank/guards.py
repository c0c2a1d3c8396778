"""Who is calling: Bearer tokens for the API, the session cookie for the web; role checks."""

from flask import current_app, g, request

from .domain.errors import Forbidden, Unauthenticated
from .extensions import db
from .security import tokens
from .security.permissions import Permission, allows
from .services import auth, registration


def user_from_token(token: str, audience: str):
    """The active user behind a token, or None when the token is unacceptable in any way."""
    try:
        claims = tokens.verify(token, keys=current_app.config["JWT_KEYS"], audience=audience)
    except tokens.InvalidToken:
        return None, None
    user = auth.session_user(db, claims, request.remote_addr)
    return (user, claims) if user is not None else (None, None)


def remember(user, claims) -> None:
    """Make the caller known to the rest of this request (views, logs, limits)."""
    g.user, g.claims, g.user_id = user, claims, user.id if user else None


# The session behind a verified token is looked up only when a view asks for the user.
_NOT_LOOKED_UP = object()


def load_bearer_user() -> None:
    """Verify an API request's Bearer token (never the cookie); the session is looked up on demand."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    claims = None
    if scheme.lower() == "bearer" and token.strip():
        try:
            claims = tokens.verify(token.strip(), keys=current_app.config["JWT_KEYS"], audience=tokens.AUDIENCE_API)
        except tokens.InvalidToken:
            claims = None
    g.claims, g.user_id = claims, claims.user_id if claims else None
    g.user = _NOT_LOOKED_UP if claims else None


def current_user():
    """The authenticated user of this request, or None (revoked, disabled, outdated or no token)."""
    user = g.get("user")
    if user is _NOT_LOOKED_UP:
        user = auth.session_user(db, g.claims, request.remote_addr)
        remember(user, g.claims if user else None)
    return user


def require_token() -> tokens.Claims:
    """The verified claims of the request's token, for a service that checks the session itself."""
    claims = g.get("claims")
    if claims is None:
        raise Unauthenticated()
    return claims


def require_user():
    """The authenticated user, or an Unauthenticated refusal."""
    user = current_user()
    if user is None:
        raise Unauthenticated()
    return user


def require_permission(permission: Permission):
    """The authenticated user if their role holds ``permission``, or a refusal (401 anonymous, 403 others).

    The one check every staff page and endpoint passes through (security/permissions.py has the table).
    """
    user = require_user()
    if not allows(user.role, permission):
        raise Forbidden("Your role does not allow this.")
    return user


def require_verified_email(user_id: int) -> None:
    """Refuse to move money for an unverified address while MINIBANK_REQUIRE_VERIFIED_EMAIL is on."""
    registration.check_may_send(db, user_id=user_id, required=current_app.config["REQUIRE_VERIFIED_EMAIL"])
