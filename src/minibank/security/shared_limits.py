"""Rate limits shared through Redis, and what happens when Redis is sick.

Every Redis call has a short timeout (MINIBANK_REDIS_TIMEOUT_MS) and no retry, so a slow or
frozen Redis costs a request at most that long. After a failure Flask-Limiter counts in this
process's memory instead (its in-memory fallback, with each route's own limits) and looks
for Redis again now and then; each change is logged and counted here. Nothing that protects
an account lives in Redis: the login lockout and token revocations are in the database.
"""

import structlog
from flask import Flask

from ..metrics import RATE_LIMIT_FALLBACKS, RATE_LIMITS_PER_PROCESS

log = structlog.get_logger("minibank.rate_limits")


def configure(app: Flask) -> None:
    """Point Flask-Limiter at Redis with short timeouts and the in-memory fallback (before it is bound)."""
    url = app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", url or "memory://")
    if not url:
        return
    seconds = app.config["REDIS_TIMEOUT_MS"] / 1000
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS",
        {"socket_timeout": seconds, "socket_connect_timeout": seconds, "retry_on_timeout": False},
    )
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)


class FallbackWatch:
    """Says once, in the log and the metrics, when this process starts or stops counting limits alone."""

    def __init__(self, limiter):
        self._limiter = limiter
        self._alone = False

    def __call__(self, response):
        # Flask-Limiter keeps the fallback's state in an attribute of its own and offers no hook for it.
        alone = bool(getattr(self._limiter, "_storage_dead", False))
        if alone != self._alone:
            self._alone = alone
            if alone:
                RATE_LIMIT_FALLBACKS.inc()
                RATE_LIMITS_PER_PROCESS.inc()
                log.warning("rate_limits.per_process", reason="Redis unreachable: counting in this process")
            else:
                RATE_LIMITS_PER_PROCESS.dec()
                log.info("rate_limits.shared_again", reason="Redis answers again")
        return response

    @property
    def alone(self) -> bool:
        """True while this process counts rate limits on its own."""
        return self._alone


def watch(app: Flask, limiter) -> None:
    """Watch the limiter's fallback after every request."""
    if app.config["REDIS_URL"]:
        app.extensions["minibank.rate_limit_watch"] = watch_ = FallbackWatch(limiter)
        app.after_request(watch_)
