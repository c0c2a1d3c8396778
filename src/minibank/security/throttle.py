"""Failed-login throttle that an attacker cannot turn against the account's owner.

Three budgets of failed attempts (wrong password, unknown e-mail, disabled user), counted in
the rate limiter's `limits` storage (memory, or Redis shared by every worker and host):

* per (e-mail, client address) -- strict: when spent, that address waits, even with the
  right password (``pair_tiers``, MINIBANK_LOGIN_LOCKOUT);
* per client address across e-mails -- larger, against one address spraying many accounts
  (``address_tiers``, MINIBANK_LOGIN_LOCKOUT_ADDRESS);
* per e-mail across addresses -- bounds a distributed guesser (``email_tiers``,
  MINIBANK_LOGIN_LOCKOUT_EMAIL), but it applies only to addresses that have themselves
  failed for that e-mail in the last ``taint_seconds``. An address with no such failure (a
  "fresh" address, such as the owner's phone while a botnet guesses) is never held back by
  it, so other addresses' failures cannot lock the owner out; each fresh address costs the
  guesser one attempt per taint period, the price of that guarantee.

IPv6 addresses count per /64 (one subscriber's prefix), else a single host would have 2^64
fresh addresses. Keys are hashed: neither e-mails nor addresses sit in storage in the clear.
Each budget is a two-bucket sliding window counted with this object's clock (injectable for
tests), so the storage needs only incr/get/clear.
"""

import hashlib
import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits import parse_many
from limits.storage import Storage

DEFAULT_PAIR_TIERS = "5 per 5 minutes; 10 per hour; 20 per day"
DEFAULT_ADDRESS_TIERS = "20 per 5 minutes; 60 per hour; 100 per day"
DEFAULT_EMAIL_TIERS = "10 per 15 minutes; 20 per hour; 50 per day"
DEFAULT_TAINT_SECONDS = 86400


def client_key(address: str | None) -> str:
    """The address the budgets count: IPv4 as is, IPv6 by its /64, anything else as given."""
    text = (address or "unknown").strip()
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return text
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True)
class _Window:
    limit: int
    seconds: int

    @property
    def name(self) -> str:
        return f"{self.limit}/{self.seconds}"


def _windows(tiers: str) -> list[_Window]:
    return [_Window(item.amount, item.get_expiry()) for item in parse_many(tiers)]


class LoginThrottle:
    """Counts failed logins and says how long a given (e-mail, address) must wait."""

    def __init__(
        self,
        storage: Storage,
        tiers: str = DEFAULT_PAIR_TIERS,
        *,
        address_tiers: str = DEFAULT_ADDRESS_TIERS,
        email_tiers: str = DEFAULT_EMAIL_TIERS,
        taint_seconds: int = DEFAULT_TAINT_SECONDS,
        namespace: str = "minibank",
        clock: Callable[[], float] = time.time,
    ):
        self._storage = storage
        self._scopes = {"pair": _windows(tiers), "address": _windows(address_tiers), "email": _windows(email_tiers)}
        self._taint = _Window(1, taint_seconds)
        self._namespace = f"{namespace}:login-fail"
        self.clock = clock

    # -- keys ---------------------------------------------------------------------------

    def _keys(self, email: str, address: str | None) -> dict[str, str]:
        mail = email.strip().lower()
        where = client_key(address)
        digest = lambda text: hashlib.sha256(text.encode()).hexdigest()  # noqa: E731
        return {
            "pair": digest(f"pair\0{mail}\0{where}"),
            "address": digest(f"address\0{where}"),
            "email": digest(f"email\0{mail}"),
        }

    def _bucket_key(self, scope: str, window: _Window, key: str, bucket: int) -> str:
        return f"{self._namespace}:{scope}:{window.name}:{key}:{bucket}"

    # -- sliding windows ------------------------------------------------------------------

    def _counts(self, scope: str, window: _Window, key: str, now: float) -> tuple[int, int, float]:
        """(failures in the current bucket, in the previous one, share of the current bucket elapsed)."""
        bucket = int(now // window.seconds)
        current = self._storage.get(self._bucket_key(scope, window, key, bucket))
        previous = self._storage.get(self._bucket_key(scope, window, key, bucket - 1))
        return current, previous, now / window.seconds - bucket

    def _wait(self, scope: str, window: _Window, key: str, now: float) -> float | None:
        """Seconds until this window admits another failure, or None when it does now.

        The count is the current bucket plus the previous one weighted by how much of it still
        lies within the window (as the `limits` sliding-window counter does).
        """
        current, previous, elapsed = self._counts(scope, window, key, now)
        if current + previous * (1 - elapsed) < window.limit:
            return None
        if current < window.limit:  # the previous bucket's share must fade below the room left
            return ((1 - (window.limit - current) / previous) - elapsed) * window.seconds
        # This bucket alone is full: wait for the next one, then for this one's share to fade.
        return (1 - elapsed + 1 - window.limit / current) * window.seconds

    def _tainted(self, key: str, now: float) -> bool:
        """Has this address failed for this e-mail within the taint period (between it and twice it)?"""
        current, previous, _ = self._counts("taint", self._taint, key, now)
        return current + previous > 0

    # -- the interface --------------------------------------------------------------------

    def retry_after(self, email: str, address: str | None = None) -> int | None:
        """Seconds until this address may try this e-mail again, or None when it may now."""
        keys, now = self._keys(email, address), self.clock()
        scopes = ["pair", "address"] + (["email"] if self._tainted(keys["pair"], now) else [])
        waits = [
            wait
            for scope in scopes
            for window in self._scopes[scope]
            if (wait := self._wait(scope, window, keys[scope], now)) is not None
        ]
        # The first whole second past the moment the window frees (at that moment the count is still
        # full; the margin absorbs float rounding): at most the longest refusing window and a second.
        return max(1, math.floor(max(waits) + 1e-6) + 1) if waits else None

    def failed(self, email: str, address: str | None = None) -> None:
        """Count one failed attempt in every budget, and mark the address as having failed for the e-mail."""
        keys, now = self._keys(email, address), self.clock()
        for scope, windows in [*self._scopes.items(), ("taint", [self._taint])]:
            key = keys["pair" if scope == "taint" else scope]
            for window in windows:
                # Kept for two windows (the current bucket and the next one that still weighs it).
                self._storage.incr(
                    self._bucket_key(scope, window, key, int(now // window.seconds)), 2 * window.seconds + 1
                )

    def succeeded(self, email: str, address: str | None = None) -> None:
        """Forget this address's failures for this e-mail after the right password.

        The per-address and per-e-mail budgets are not reset: a guesser who owns one account
        would otherwise refill its address's budget by logging in, and every login of the
        owner would hand a distributed guesser a fresh per-e-mail budget.
        """
        keys, now = self._keys(email, address), self.clock()
        for scope, windows in (("pair", self._scopes["pair"]), ("taint", [self._taint])):
            for window in windows:
                bucket = int(now // window.seconds)
                for index in (bucket, bucket - 1):
                    self._storage.clear(self._bucket_key(scope, window, keys["pair"], index))
