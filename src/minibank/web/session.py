"""The browser session: a short-lived web token in a hardened cookie, renewed while in use."""

import time

from flask import current_app, g, request, session

from ..extensions import db
from ..guards import remember, user_from_token
from ..security import tokens
from ..services import auth


def cookie_name() -> str:
    """`__Host-` in production: the browser then insists on Secure, Path=/ and no Domain."""
    return "__Host-minibank" if current_app.config["PRODUCTION"] else "minibank"


def start(response, user, *, carry: dict | None = None) -> None:
    """Log the user in on this response: a brand-new token and session (no fixation).

    ``carry``: entries of the old session that this login keeps (a draft of the same user's)."""
    session.clear()  # also drops the old CSRF secret, so a new one is made
    session.update(carry or {})
    _set_cookie(response, user, auth_time=None)


def end(response) -> None:
    """Log out on this response: revoke the token and delete the cookie."""
    claims = g.get("claims")
    if claims is not None:
        auth.revoke(db, claims=claims, client_ip=request.remote_addr)
    session.clear()
    response.delete_cookie(
        cookie_name(), path="/", secure=current_app.config["PRODUCTION"], httponly=True, samesite="Lax"
    )


def load() -> None:
    """Authenticate a web request from the session cookie."""
    token = request.cookies.get(cookie_name())
    remember(*user_from_token(token, tokens.AUDIENCE_WEB)) if token else remember(None, None)
    g.session_checked = token is not None


def ended_user_id() -> int | None:
    """Whose session this browser held, when its token is well signed but no longer accepted."""
    token = request.cookies.get(cookie_name())
    if not token or g.get("user") is not None:
        return None
    return tokens.subject(token, keys=current_app.config["JWT_KEYS"], audience=tokens.AUDIENCE_WEB)


def renew_if_due(response):
    """Sliding renewal: past half its life, swap the token for a fresh one, up to the absolute limit.

    Only for a session that this very request read from its cookie and checked, and only on
    a response that did not refuse the request: a refused request (CSRF, 4xx) never mints one.
    """
    claims, user = g.get("claims"), g.get("user")
    if not g.get("session_checked") or claims is None or user is None or g.get("logged_out"):
        return response
    if response.status_code >= 400:
        return response
    now = int(time.time())
    ttl = current_app.config["TOKEN_TTL"]
    absolute_end = claims.auth_time + current_app.config["SESSION_MAX_AGE"]
    if claims.expires_at - now < ttl // 2 and now + 60 < absolute_end:
        _set_cookie(response, user, auth_time=claims.auth_time, ttl=min(ttl, absolute_end - now))
    return response


def _set_cookie(response, user, *, auth_time: int | None, ttl: int | None = None) -> None:
    token, _ = tokens.issue(
        user_id=user.id,
        token_version=user.token_version,
        keys=current_app.config["JWT_KEYS"],
        ttl=ttl or current_app.config["TOKEN_TTL"],
        audience=tokens.AUDIENCE_WEB,
        auth_time=auth_time,
    )
    response.set_cookie(
        cookie_name(),
        token,
        path="/",
        secure=current_app.config["PRODUCTION"],
        httponly=True,
        samesite="Lax",
    )
