"""Failed-login throttle that an attacker cannot turn against the account's owner.

Three budgets of failed attempts (wrong password, unknown e-mail, disabled user), counted in
the database (store/login_failures.py), which every worker and host shares, so that the
lockout holds whether Redis is up or not:

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
tests), so the counters need only get, count up and clear, each for many keys at once: a
login reads every bucket it needs in one statement and counts a failure in one more.
"""

import hashlib
import ipaddress
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from limits import parse_many

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


class Counters(Protocol):
    """Where the failures are counted: keys with a count and an expiry (epoch seconds of the throttle's clock)."""

    def get_many(self, keys: list[str], now: float) -> dict[str, int]:
        """The unexpired counts of ``keys`` (missing keys count 0)."""

    def incr_many(self, expiries: dict[str, int], now: float) -> None:
        """Count one more under each key, which then expires at its given moment."""

    def clear_many(self, keys: Iterable[str]) -> None:
        """Forget ``keys``."""


class MemoryCounters:
    """Counters in this process's memory (for the throttle's own tests)."""

    def __init__(self):
        self.counts: dict[str, tuple[int, int]] = {}

    def get_many(self, keys: list[str], now: float) -> dict[str, int]:
        """The unexpired counts of ``keys``."""
        found = {key: self.counts.get(key, (0, 0)) for key in keys}
        return {key: count for key, (count, expires) in found.items() if expires > now}

    def incr_many(self, expiries: dict[str, int], now: float) -> None:
        """Count one more under each key."""
        for key, expires in expiries.items():
            count, old = self.counts.get(key, (0, 0))
            self.counts[key] = ((count if old > now else 0) + 1, expires)

    def clear_many(self, keys: Iterable[str]) -> None:
        """Forget ``keys``."""
        for key in keys:
            self.counts.pop(key, None)


def _wait(window: _Window, current: int, previous: int, now: float) -> float | None:
    """Seconds until this window admits another failure, or None when it does now.

    The count is the current bucket plus the previous one weighted by how much of it still
    lies within the window (as the `limits` sliding-window counter does).
    """
    elapsed = now / window.seconds - int(now // window.seconds)
    if current + previous * (1 - elapsed) < window.limit:
        return None
    if current < window.limit:  # the previous bucket's share must fade below the room left
        return ((1 - (window.limit - current) / previous) - elapsed) * window.seconds
    # This bucket alone is full: wait for the next one, then for this one's share to fade.
    return (1 - elapsed + 1 - window.limit / current) * window.seconds


class LoginThrottle:
    """Counts failed logins and says how long a given (e-mail, address) must wait."""

    def __init__(
        self,
        counters: Counters,
        tiers: str = DEFAULT_PAIR_TIERS,
        *,
        address_tiers: str = DEFAULT_ADDRESS_TIERS,
        email_tiers: str = DEFAULT_EMAIL_TIERS,
        taint_seconds: int = DEFAULT_TAINT_SECONDS,
        namespace: str = "minibank",
        clock: Callable[[], float] = time.time,
    ):
        self._counters = counters
        self._scopes = {"pair": _windows(tiers), "address": _windows(address_tiers), "email": _windows(email_tiers)}
        self._taint = _Window(1, taint_seconds)
        self._namespace = f"{namespace}:login-fail"
        self.clock = clock

    # -- keys ---------------------------------------------------------------------------

    def _keys(self, email: str, address: str | None) -> dict[str, str]:
        mail = email.strip().lower()
        where = client_key(address)

        def digest(text: str) -> str:
            return hashlib.sha256(text.encode()).hexdigest()

        return {
            "pair": digest(f"pair\0{mail}\0{where}"),
            "address": digest(f"address\0{where}"),
            "email": digest(f"email\0{mail}"),
        }

    def _buckets(self, scope: str, window: _Window, key: str, now: float) -> tuple[str, str]:
        """The keys of this window's current bucket and of the previous one."""
        bucket = int(now // window.seconds)
        name = f"{self._namespace}:{scope}:{window.name}:{key}"
        return f"{name}:{bucket}", f"{name}:{bucket - 1}"

    def _budgets(self, keys: dict[str, str]) -> list[tuple[str, _Window, str]]:
        """Every (scope, window, key) a failure counts in; the taint mark counts per pair."""
        budgets = [(scope, window, keys[scope]) for scope, windows in self._scopes.items() for window in windows]
        return [*budgets, ("taint", self._taint, keys["pair"])]

    # -- the interface --------------------------------------------------------------------

    def retry_after(self, email: str, address: str | None = None, *, unlocked: bool = False) -> int | None:
        """Seconds until this address may try this e-mail again, or None when it may now.

        ``unlocked``: the caller holds the owner's unlock pass for this e-mail; only the address's budget applies."""
        now = self.clock()
        budgets = [
            (scope, window, self._buckets(scope, window, key, now))
            for scope, window, key in self._budgets(self._keys(email, address))
        ]
        counts = self._counters.get_many([name for *_, pair in budgets for name in pair], now)
        # Has this address failed for this e-mail within the taint period (between it and twice it)?
        tainted = any(counts.get(name, 0) for scope, _, pair in budgets if scope == "taint" for name in pair)
        scopes = {"address"} if unlocked else {"pair", "address"} | ({"email"} if tainted else set())
        waits = [
            wait
            for scope, window, (current, previous) in budgets
            if scope in scopes
            and (wait := _wait(window, counts.get(current, 0), counts.get(previous, 0), now)) is not None
        ]
        # The first whole second past the moment the window frees (at that moment the count is still
        # full; the margin absorbs float rounding): at most the longest refusing window and a second.
        return max(1, math.floor(max(waits) + 1e-6) + 1) if waits else None

    def failed(self, email: str, address: str | None = None) -> None:
        """Count one failed attempt in every budget, and mark the address as having failed for the e-mail."""
        now = self.clock()
        # Kept for two windows (the current bucket and the next one that still weighs it).
        self._counters.incr_many(
            {
                self._buckets(scope, window, key, now)[0]: int(now) + 2 * window.seconds + 1
                for scope, window, key in self._budgets(self._keys(email, address))
            },
            now,
        )

    def succeeded(self, email: str, address: str | None = None) -> None:
        """Forget this address's failures for this e-mail after the right password.

        The per-address and per-e-mail budgets are not reset: a guesser who owns one account
        would otherwise refill its address's budget by logging in, and every login of the
        owner would hand a distributed guesser a fresh per-e-mail budget.
        """
        now = self.clock()
        self._counters.clear_many(
            name
            for scope, window, key in self._budgets(self._keys(email, address))
            if scope in ("pair", "taint")
            for name in self._buckets(scope, window, key, now)
        )

    def unlock(self, email: str, address: str | None = None) -> None:
        """The owner followed an unlock link: forget the e-mail's failures, and this address's for it.

        Other addresses' own failures for the e-mail (an attacker's pair budget) and every
        address's budget stay as they were."""
        now = self.clock()
        self._counters.clear_many(
            name
            for scope, window, key in self._budgets(self._keys(email, address))
            if scope in ("pair", "taint", "email")
            for name in self._buckets(scope, window, key, now)
        )
