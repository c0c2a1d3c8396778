"""Extensions, created unbound here and bound to the app in create_app."""

import hashlib

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits.storage import storage_from_string
from flask_wtf import CSRFProtect

from .db import Database
from .security.throttle import LoginThrottle

db = Database()
csrf = CSRFProtect()


def client_address() -> str:
    """The caller's address (X-Forwarded-For is trusted only via MINIBANK_PROXY_COUNT)."""
    return request.remote_addr or "unknown"


limiter = Limiter(key_func=client_address, headers_enabled=True)


def init_app(app: Flask) -> None:
    """Bind every extension to the app's settings."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "minibank")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    # The lockout is account protection, not a request limit: it stays on even when
    # MINIBANK_RATELIMIT_ENABLED=false, in the same storage (memory or Redis).
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["minibank.login_throttle"] = LoginThrottle(storage, app.config["LOGIN_LOCKOUT"])


def login_throttle() -> LoginThrottle:
    """The failed-login lockout bound to the current app."""
    return current_app.extensions["minibank.login_throttle"]


def login_limit() -> str:
    """The per-address and per-e-mail limit on login and registration."""
    return current_app.config["RATELIMIT_LOGIN"]


def email_limit_key(email: object) -> str:
    """Rate-limit key for an e-mail address (hashed: addresses never sit in Redis in the clear)."""
    text = email.strip().lower() if isinstance(email, str) else ""
    return "email:" + hashlib.sha256(text.encode()).hexdigest()
