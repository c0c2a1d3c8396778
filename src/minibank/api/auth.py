"""API authentication: register, get a token, revoke it, who am I."""

from flask import current_app, g, request

from ..extensions import db, login_limits, login_throttle, mail_links, password_reset_limits, unlock_limits
from ..guards import current_user, require_user
from ..security import tokens
from ..services import auth, login_unlock, password_reset, registration, sessions, two_factor
from . import bp
from .body import parse_json
from .registry import PROBLEM, operation
from .schemas import (
    AcceptedOut,
    RegisterIn,
    ResetConfirmIn,
    ResetRequestIn,
    TokenIn,
    TokenOut,
    UnlockRequestIn,
    UserOut,
)


def user_out(user) -> dict:
    """A user as the API shows it."""
    return UserOut.model_validate(
        {"id": user.id, "email": user.email, "name": user.name, "role": user.role, "created_at": user.created_at}
    ).model_dump(mode="json")


@operation(
    bp,
    "POST",
    "/auth/register",
    summary="Register a customer",
    body=RegisterIn,
    auth=False,
    tag="auth",
    responses={202: AcceptedOut, 400: PROBLEM, 413: PROBLEM, 415: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)
@login_limits("register")
def register():
    """Open a customer login and send a verification link; the same 202 when the e-mail already has a login.

    The owner of a taken address gets an e-mail saying that someone tried; the caller learns
    nothing either way. Log in with POST /auth/token once registered.
    """
    data = parse_json(RegisterIn)
    registration.register(
        db, email=data.email, name=data.name, password=data.password, links=mail_links(), client_ip=request.remote_addr
    )
    return accepted("We have sent an e-mail to the address you gave: follow its link to confirm the address."), 202


def accepted(detail: str) -> dict:
    """The one answer to a request whose outcome depends on an address the caller may not own."""
    return AcceptedOut(status="check_inbox", detail=detail).model_dump(mode="json")


@operation(
    bp,
    "POST",
    "/password-resets",
    summary="Ask for a password reset link",
    body=ResetRequestIn,
    auth=False,
    tag="auth",
    responses={202: AcceptedOut, 400: PROBLEM, 413: PROBLEM, 415: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)
@password_reset_limits
def request_password_reset():
    """E-mail a single-use reset link to the address when it has a login; the same 202 when it has none."""
    data = parse_json(ResetRequestIn)
    password_reset.request_reset(db, email=data.email, links=mail_links(), client_ip=request.remote_addr)
    return accepted("If the address has a login, we have sent it a link to choose a new password."), 202


@operation(
    bp,
    "POST",
    "/password-resets/confirm",
    summary="Set a new password with a reset link's token",
    body=ResetConfirmIn,
    auth=False,
    tag="auth",
    responses={204: None, 400: PROBLEM, 413: PROBLEM, 415: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)
@login_limits("password-reset-confirm")
def confirm_password_reset():
    """Set the new password (once per link); every session and token of the user stops working."""
    data = parse_json(ResetConfirmIn)
    password_reset.reset_password(
        db, token=data.token, new_password=data.password, links=mail_links(), client_ip=request.remote_addr
    )
    return "", 204


@operation(
    bp,
    "POST",
    "/login-unlocks",
    summary="Ask for a login unlock link",
    body=UnlockRequestIn,
    auth=False,
    tag="auth",
    responses={202: AcceptedOut, 400: PROBLEM, 413: PROBLEM, 415: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)
@unlock_limits
def request_login_unlock():
    """During a login lockout, e-mail the owner a single-use link that unlocks the login in their browser.

    The same 202 whether the address has a login or not. The link is followed in a browser."""
    data = parse_json(UnlockRequestIn)
    login_unlock.request_unlock(db, email=data.email, links=mail_links(), client_ip=request.remote_addr)
    return accepted("If the address has a login, we have sent it a link that unlocks it."), 202


@operation(
    bp,
    "POST",
    "/auth/token",
    summary="Get an access token",
    body=TokenIn,
    auth=False,
    tag="auth",
    responses={
        200: TokenOut,
        400: PROBLEM,
        401: PROBLEM,
        403: PROBLEM,
        413: PROBLEM,
        415: PROBLEM,
        422: PROBLEM,
        429: PROBLEM,
    },
)
@login_limits("login")
def token():
    """Exchange e-mail and password for a short-lived Bearer token.

    A login with two-factor authentication also sends ``otp`` (a code from the app, or a recovery
    code); without it the answer is 401 with code ``second_factor_required``, and a wrong one counts
    as a failed login. In production, staff without a second factor are refused (403
    ``second_factor_enrolment_required``) until they set one up on the web.
    """
    data = parse_json(TokenIn)
    ttl = current_app.config["TOKEN_TTL"]
    opening = sessions.Opening(kind="api", user_agent=request.headers.get("User-Agent"), ttl=ttl, links=mail_links())
    login = auth.authenticate(
        db,
        login_throttle(),
        email=data.email,
        password=data.password,
        client_ip=request.remote_addr,
        otp=data.otp,
        opening=opening,
    )
    two_factor.check_enrolled(
        db, user=login.user, production=current_app.config["PRODUCTION"], client_ip=request.remote_addr
    )
    access_token, _ = tokens.issue(
        user_id=login.user.id,
        token_version=login.user.token_version,
        keys=current_app.config["JWT_KEYS"],
        ttl=ttl,
        audience=tokens.AUDIENCE_API,
        session_id=login.session_id,
    )
    return TokenOut(access_token=access_token, expires_in=ttl).model_dump(mode="json"), 200


@operation(
    bp,
    "POST",
    "/auth/revoke",
    summary="Revoke the token of this request",
    tag="auth",
    responses={204: None, 401: PROBLEM, 429: PROBLEM},
)
def revoke():
    """Log out: the token stops working at once, on every worker and host."""
    require_user()
    auth.revoke(db, claims=g.claims, client_ip=request.remote_addr)
    return "", 204


@operation(
    bp, "GET", "/me", summary="The authenticated user", tag="auth", responses={200: UserOut, 401: PROBLEM, 429: PROBLEM}
)
def me():
    """Who the token speaks for."""
    require_user()
    return user_out(current_user()), 200
