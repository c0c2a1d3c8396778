"""The browser session: a short-lived web token in a hardened cookie, renewed while in use."""

import time

import structlog
from flask import current_app, g, request, session

from ..extensions import db, mail_links
from ..guards import remember, user_from_token
from ..security import tokens
from ..services import auth, sessions

log = structlog.get_logger("minibank.web.session")

# A renewal must buy at least this much: a session this close to its absolute limit is not renewed.
RENEWAL_MARGIN = 60


def cookie_name() -> str:
    """`__Host-` in production: the browser then insists on Secure, Path=/ and no Domain."""
    return "__Host-minibank" if current_app.config["PRODUCTION"] else "minibank"


def ends_cookie_name() -> str:
    """The cookie that tells the page's script when the session ends (it holds nothing else)."""
    return "__Host-minibank-ends" if current_app.config["PRODUCTION"] else "minibank-ends"


def opening() -> sessions.Opening:
    """What a new browser session records: its User-Agent, and that it lasts at most MINIBANK_SESSION_MAX_AGE."""
    return sessions.Opening(
        kind="web",
        user_agent=request.headers.get("User-Agent"),
        ttl=current_app.config["SESSION_MAX_AGE"],
        links=mail_links(),
    )


def start(response, user, *, session_id: str | None = None, carry: dict | None = None) -> None:
    """Log the user in on this response: a brand-new token and session (no fixation).

    ``session_id``: the session the login started (a new one is opened without it);
    ``carry``: entries of the old session that this login keeps (a draft of the same user's)."""
    session.clear()  # also drops the old CSRF secret, so a new one is made
    session.update(carry or {})
    if session_id is None:
        session_id = sessions.open_session(db, user_id=user.id, opening=opening(), client_ip=request.remote_addr)
    _set_cookie(response, user, auth_time=None, session_id=session_id)


def end(response) -> None:
    """Log out on this response: revoke the token and delete the cookies."""
    claims = g.get("claims")
    if claims is not None:
        auth.revoke(db, claims=claims, client_ip=request.remote_addr)
    session.clear()
    response.delete_cookie(
        cookie_name(), path="/", secure=current_app.config["PRODUCTION"], httponly=True, samesite="Lax"
    )
    response.delete_cookie(ends_cookie_name(), path="/", secure=current_app.config["PRODUCTION"], samesite="Lax")


def load() -> None:
    """Authenticate a web request from the session cookie."""
    token = request.cookies.get(cookie_name())
    remember(*user_from_token(token, tokens.AUDIENCE_WEB)) if token else remember(None, None)
    g.session_checked = token is not None


def load_for_error_page() -> None:
    """Know who is asking when an error came before the pages read the session (no such page, 405, CSRF)."""
    if "user" in g:
        return
    try:
        load()
    except Exception as error:  # an error page must never fail: it shows without the menu
        log.warning("error_page.session_unreadable", error_type=type(error).__name__)
        remember(None, None)


def ended_user_id() -> int | None:
    """Whose session this browser held, when its token is well signed but no longer accepted."""
    token = request.cookies.get(cookie_name())
    if not token or g.get("user") is not None:
        return None
    return tokens.subject(token, keys=current_app.config["JWT_KEYS"], audience=tokens.AUDIENCE_WEB)


def ends_at() -> tuple[int, bool] | None:
    """When this request's session ends once its answer is sent (a renewal due now included), and
    whether Stay signed in could still push that back; None without a live session."""
    claims = _live_claims()
    if claims is None:
        return None
    now = int(time.time())
    ttl = _due_ttl(claims, now)
    expires = now + ttl if ttl else claims.expires_at
    return _ends(expires), _absolute_end(claims) - expires > RENEWAL_MARGIN


def renew(response) -> tuple[int, bool] | None:
    """Stay signed in: a fresh token now, whatever its age, within the absolute limit; then as ``ends_at``."""
    claims = _live_claims()
    if claims is None:
        return None
    left = _absolute_end(claims) - int(time.time())
    if left > RENEWAL_MARGIN:
        ttl = min(current_app.config["TOKEN_TTL"], left)
        claims = _set_cookie(response, g.user, auth_time=claims.auth_time, ttl=ttl, session_id=_session_of(claims))
        g.renewed = True
    return _ends(claims.expires_at), _absolute_end(claims) - claims.expires_at > RENEWAL_MARGIN


def renew_if_due(response):
    """Sliding renewal: past half its life, swap the token for a fresh one, up to the absolute limit.

    Only for a session that this very request read from its cookie and checked, and only on
    a response that did not refuse the request: a refused request (CSRF, 4xx) never mints one.
    """
    claims = _live_claims()
    if claims is None or g.get("renewed") or response.status_code >= 400:
        return response
    ttl = _due_ttl(claims, int(time.time()))
    if ttl:
        _set_cookie(response, g.user, auth_time=claims.auth_time, ttl=ttl, session_id=_session_of(claims))
    return response


def _session_of(claims: tokens.Claims) -> str:
    """The session a renewal keeps; a token from before sessions is given one now."""
    if claims.session_id:
        return claims.session_id
    return sessions.open_session(db, user_id=claims.user_id, opening=opening(), client_ip=request.remote_addr)


def _live_claims() -> tokens.Claims | None:
    """The claims of the session this very request read from its cookie and checked, if still live."""
    claims = g.get("claims")
    if not g.get("session_checked") or claims is None or g.get("user") is None or g.get("logged_out"):
        return None
    return claims


def _due_ttl(claims: tokens.Claims, now: int) -> int | None:
    """The new token's lifetime when a sliding renewal is due now: past half its life, within the absolute limit."""
    ttl = current_app.config["TOKEN_TTL"]
    absolute_end = _absolute_end(claims)
    if claims.expires_at - now < ttl // 2 and now + RENEWAL_MARGIN < absolute_end:
        return min(ttl, absolute_end - now)
    return None


def _absolute_end(claims: tokens.Claims) -> int:
    return claims.auth_time + current_app.config["SESSION_MAX_AGE"]


def _ends(expires_at: int) -> int:
    """The first second the bank refuses a token that expires at ``expires_at`` (its small leeway)."""
    return expires_at + tokens.LEEWAY_SECONDS + 1


def _set_cookie(response, user, *, auth_time: int | None, session_id: str, ttl: int | None = None) -> tokens.Claims:
    token, claims = tokens.issue(
        session_id=session_id,
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
    # Readable by the page's script (and by every tab of the site): when the session ends, nothing more.
    response.set_cookie(
        ends_cookie_name(),
        str(_ends(claims.expires_at)),
        path="/",
        secure=current_app.config["PRODUCTION"],
        samesite="Lax",
    )
    return claims
