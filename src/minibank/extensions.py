"""Extensions, created unbound here and bound to the app in create_app."""

import functools
import hashlib

from flask import Flask, current_app, g, request
from flask_limiter import Limiter
from flask_wtf import CSRFProtect

from .db import Database
from .domain.transfers import Limits
from .mail.links import Links
from .security import shared_limits
from .security.throttle import LoginThrottle
from .store.login_failures import DatabaseCounters
from .store.replica import ReplicaReads

db = Database()
reads = ReplicaReads(db)
csrf = CSRFProtect()


def client_address() -> str:
    """The caller's address (X-Forwarded-For is trusted only via MINIBANK_PROXY_COUNT)."""
    return request.remote_addr or "unknown"


# Flask-Limiter's own headers would put Retry-After on every response; the error
# handler sets it on 429s only.
limiter = Limiter(
    key_func=client_address,
    headers_enabled=False,
    # A callable, read per request, so the limit always follows the running app's settings.
    default_limits=[lambda: current_app.config["RATELIMIT_DEFAULT"]],
)


def limit_per_user(limit_value, *, shared: str | None = None, exempt_when=None):
    """limiter.limit by user, skipped outright while rate limiting is off; ``shared`` names one budget for several routes.

    Flask-Limiter evaluates a decorated route's limits on every request even when it is
    disabled; on the transfer routes that was a measurable share of a request's CPU.
    """

    def decorate(view):
        if shared:
            limited = limiter.shared_limit(limit_value, scope=shared, key_func=user_key, exempt_when=exempt_when)(view)
        else:
            limited = limiter.limit(limit_value, key_func=user_key, exempt_when=exempt_when)(view)

        @functools.wraps(view)
        def dispatch(*args, **kwargs):
            return limited(*args, **kwargs) if limiter.enabled else view(*args, **kwargs)

        return dispatch

    return decorate


def init_app(app: Flask) -> None:
    """Bind every extension to the app's settings."""
    shared_limits.configure(app)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    db.init_app(app)
    replica_url = app.config.get("DATABASE_REPLICA_URL")
    reads.replica = Database(replica_url, pool_size=app.config["DB_POOL_SIZE"]) if replica_url else None
    reads.max_lag = app.config["REPLICA_MAX_LAG_MS"] / 1000
    app.extensions["minibank.reads"] = reads
    csrf.init_app(app)
    limiter.init_app(app)
    shared_limits.watch(app, limiter)
    # The lockout is account protection, not a request limit: it stays on even when
    # MINIBANK_RATELIMIT_ENABLED=false, and counts in the database, shared without Redis.
    app.extensions["minibank.login_throttle"] = LoginThrottle(
        DatabaseCounters(db),
        app.config["LOGIN_LOCKOUT"],
        address_tiers=app.config["LOGIN_LOCKOUT_ADDRESS"],
        email_tiers=app.config["LOGIN_LOCKOUT_EMAIL"],
        namespace=app.config["RATELIMIT_KEY_PREFIX"],
    )


def login_throttle() -> LoginThrottle:
    """The failed-login lockout bound to the current app."""
    return current_app.extensions["minibank.login_throttle"]


def login_limit() -> str:
    """The per-address and per-e-mail limit on login and registration."""
    return current_app.config["RATELIMIT_LOGIN"]


def user_key() -> str:
    """Rate-limit key for per-user limits: the (signed) user id, else the address."""
    user_id = g.get("user_id")
    return f"user:{user_id}" if user_id else f"addr:{request.remote_addr}"


def _request_email() -> str:
    email = request.form.get("email")
    if email is None and request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nested deeper than the parser goes; the view refuses it with 400
            body = None
        email = body.get("email") if isinstance(body, dict) else None
    return email.strip().lower() if isinstance(email, str) else ""


def request_email_key() -> str:
    """Rate-limit key: the e-mail address in the form or JSON body with the caller's address, hashed
    (never in Redis in the clear).

    Per pair, not per e-mail alone: a request limit per e-mail across addresses would let anyone
    keep an owner's login answering 429 by posting a few requests a minute from elsewhere.
    """
    return "email:" + hashlib.sha256(f"{_request_email()}\0{client_address()}".encode()).hexdigest()


def _is_get() -> bool:
    return request.method == "GET"


def login_limits(scope: str):
    """Decorate a login or registration view, web or API: one counter per address and one per
    (e-mail, address), shared by both front doors."""
    by_address = limiter.shared_limit(login_limit, scope=scope, exempt_when=_is_get)
    by_email = limiter.shared_limit(
        login_limit, scope=f"{scope}-email", key_func=request_email_key, exempt_when=_is_get
    )
    return lambda view: by_address(by_email(view))


def transfer_rate() -> str:
    """The per-user limit on sending money, for both front doors."""
    return current_app.config["RATELIMIT_TRANSFER"]


def batch_rate() -> str:
    """The per-user limit on sending batches of transfers."""
    return current_app.config["RATELIMIT_BATCH"]


# One budget per customer for every confirmation-of-payee check, whichever door it came through.
PAYEE_CHECKS = "payee-checks"


def payee_check_rate() -> str:
    """The per-customer limit on confirmation-of-payee checks (saving, renaming, checking a name)."""
    return current_app.config["RATELIMIT_PAYEE_CHECK"]


def transfer_limits() -> Limits:
    """The configured per-transfer and rolling 24-hour maxima."""
    return Limits(per_transfer=current_app.config["TRANSFER_MAX"], daily=current_app.config["DAILY_TRANSFER_MAX"])


def _reset_email_key() -> str:
    # Per e-mail across addresses (hashed): nobody fills an owner's inbox with reset links from
    # many addresses. Holding a reset back costs the owner a wait, never access: the password still works.
    return "reset-email:" + hashlib.sha256(_request_email().encode()).hexdigest()


def _emailed_link_limits(scope: str):
    """Limit asking for an e-mailed link, web or API: per address, and per e-mail address asked about."""
    by_address = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_PASSWORD_RESET"], scope=scope, exempt_when=_is_get
    )
    by_email = limiter.shared_limit(
        lambda: current_app.config["RATELIMIT_PASSWORD_RESET_EMAIL"],
        scope=f"{scope}-email",
        key_func=_reset_email_key,
        exempt_when=_is_get,
    )
    return lambda view: by_address(by_email(view))


# Reset links and unlock links each have their own budgets, at the same rates.
password_reset_limits = _emailed_link_limits("password-reset")
unlock_limits = _emailed_link_limits("login-unlock")


def mail_links() -> Links:
    """Where the bank's e-mailed links point and how long they last, from the running app's settings."""
    config = current_app.config
    return Links(
        public_url=config["PUBLIC_URL"], verify_ttl=config["EMAIL_VERIFY_TTL"], reset_ttl=config["PASSWORD_RESET_TTL"]
    )
