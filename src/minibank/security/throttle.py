"""Failed-login lockout per e-mail address, with back-off, in the rate limiter's storage.

Flask-Limiter limits requests; it cannot count only *failed* logins for an e-mail
address, so this uses its `limits` storage directly (memory, or Redis shared by every
worker and host).
"""

import hashlib
import math
import time

from limits import parse_many
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

# Each tier locks for longer: a few tries per minutes, more per hour, a cap per day.
DEFAULT_TIERS = "5 per 5 minutes; 10 per hour; 20 per day"


class LoginThrottle:
    """Counts failed logins per e-mail (existing or not) and says how long to wait."""

    def __init__(self, storage: Storage, tiers: str = DEFAULT_TIERS, *, namespace: str = "minibank"):
        self._limiter = MovingWindowRateLimiter(storage)
        self._tiers = parse_many(tiers)
        self._namespace = f"{namespace}:login-fail"

    @staticmethod
    def _key(email: str) -> str:
        # Hashed so that e-mail addresses never sit in Redis in the clear.
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()

    def retry_after(self, email: str) -> int | None:
        """Seconds until another attempt is allowed, or None when one is allowed now."""
        key = self._key(email)
        waits = [
            self._limiter.get_window_stats(tier, self._namespace, key).reset_time - time.time()
            for tier in self._tiers
            if not self._limiter.test(tier, self._namespace, key)
        ]
        return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, email: str) -> None:
        """Count one failed attempt against every tier."""
        key = self._key(email)
        for tier in self._tiers:
            self._limiter.hit(tier, self._namespace, key)

    def succeeded(self, email: str) -> None:
        """Forget the failures after a successful login."""
        key = self._key(email)
        for tier in self._tiers:
            self._limiter.clear(tier, self._namespace, key)
