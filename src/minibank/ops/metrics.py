"""Prometheus metrics the bank exports; definitions only, no Flask."""

from prometheus_client import Counter

TRANSFERS = Counter("minibank_transfers_total", "Transfers by kind and outcome", ["kind", "outcome"])
TRANSFERRED = Counter(
    "minibank_transferred_minor_units_total", "Money moved, in minor units", ["currency"]
)
DB_RETRIES = Counter("minibank_db_retries_total", "Transactions retried after a lock conflict")
LOGIN_FAILURES = Counter("minibank_login_failures_total", "Failed login attempts")
RATE_LIMITED = Counter("minibank_rate_limited_total", "Requests refused by a rate limit", ["endpoint"])
