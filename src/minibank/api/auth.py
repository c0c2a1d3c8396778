"""API authentication: register, get a token, revoke it, who am I."""

from flask import current_app, g, request

from ..extensions import db, login_limits, login_throttle
from ..guards import current_user, require_user
from ..security import tokens
from ..services import auth, users
from . import bp
from .body import parse_json
from .registry import PROBLEM, operation
from .schemas import RegisterIn, TokenIn, TokenOut, UserOut


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
    responses={201: UserOut, 400: PROBLEM, 409: PROBLEM, 413: PROBLEM, 415: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)
@login_limits("register")
def register():
    """Create a customer login; the e-mail must be new."""
    data = parse_json(RegisterIn)
    user = users.create_user(
        db, email=data.email, name=data.name, password=data.password, client_ip=request.remote_addr
    )
    return user_out(user), 201


@operation(
    bp,
    "POST",
    "/auth/token",
    summary="Get an access token",
    body=TokenIn,
    auth=False,
    tag="auth",
    responses={200: TokenOut, 400: PROBLEM, 401: PROBLEM, 413: PROBLEM, 415: PROBLEM, 422: PROBLEM, 429: PROBLEM},
)
@login_limits("login")
def token():
    """Exchange e-mail and password for a short-lived Bearer token."""
    data = parse_json(TokenIn)
    user = auth.authenticate(
        db, login_throttle(), email=data.email, password=data.password, client_ip=request.remote_addr
    )
    ttl = current_app.config["TOKEN_TTL"]
    access_token, _ = tokens.issue(
        user_id=user.id,
        token_version=user.token_version,
        keys=current_app.config["JWT_KEYS"],
        ttl=ttl,
        audience=tokens.AUDIENCE_API,
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
