"""Prometheus metrics the bank exports; definitions only, no Flask.

Under gunicorn, PROMETHEUS_MULTIPROC_DIR must be set before this module is first
imported: prometheus_client chooses per-process files or memory at import time.
"""

from prometheus_client import Counter, Gauge, Histogram

TRANSFERS = Counter("minibank_transfers_total", "Transfers by kind and outcome", ["kind", "outcome"])
TRANSFERRED = Counter("minibank_transferred_minor_units_total", "Money moved, in minor units", ["currency"])
DB_RETRIES = Counter("minibank_db_retries_total", "Transactions retried after a lock conflict")
REQUESTS = Counter("minibank_http_requests_total", "HTTP requests by route and status", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "minibank_http_request_duration_seconds",
    "HTTP request latency by route and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
LOGIN_FAILURES = Counter("minibank_login_failures_total", "Failed logins (wrong credential, unknown user, disabled)")
RATE_LIMITED = Counter("minibank_rate_limited_total", "Requests refused with 429 by a rate limit", ["route"])
LEDGER_IN_FLIGHT = Gauge(
    "minibank_ledger_moves_in_flight",
    "Moves submitted to the ledger engine and not yet answered",
    multiprocess_mode="livesum",
)
LEDGER_BATCH_SIZE = Histogram(
    "minibank_ledger_batch_moves", "Moves per ledger batch", buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256)
)
RATE_LIMITS_PER_PROCESS = Gauge(
    "minibank_rate_limits_per_process",
    "Processes counting rate limits in their own memory because Redis is unreachable",
    multiprocess_mode="livesum",
)
RATE_LIMIT_FALLBACKS = Counter(
    "minibank_rate_limit_fallbacks_total", "Times a process fell back to counting rate limits in its own memory"
)
REQUESTS_SHED = Counter(
    "minibank_requests_shed_total", "Requests answered 503 at once because the worker was at capacity"
)
WRITER_RESTARTS = Counter("minibank_sqlite_writer_restarts_total", "Times the SQLite writer process was started again")
REPLICA_READS = Counter(
    "minibank_replica_reads_total", "History and statement reads by the database that served them", ["served_by"]
)
