"""Deadlines on database waits: how long a statement may run and a lock may be waited for.

PostgreSQL enforces them per connection (``lock_timeout``, ``statement_timeout``, set when
the connection opens); SQLite's equivalent is its busy timeout (db.py), the longest wait for
the write lock. A wait past its deadline fails the request with 503 and Retry-After, so that
one row held elsewhere stalls only the requests that need it, never a whole instance.
"""

from sqlalchemy import Connection

# SQLSTATEs of a deadline passed: lock_not_available (lock_timeout), query_canceled (statement_timeout).
DEADLINE_STATES = ("55P03", "57014")


# Seconds to reach each host a URL names: a host gone silent (not refusing) must not hold a request
# for the kernel's minutes; with several hosts, the next one is tried after it.
CONNECT_TIMEOUT_SECONDS = 5


def connect_options(*, lock_timeout_ms: int, statement_timeout_ms: int) -> dict[str, object]:
    """psycopg's connect arguments that set both deadlines (0: none) and the connect timeout."""
    return {
        "options": f"-c lock_timeout={lock_timeout_ms} -c statement_timeout={statement_timeout_ms}",
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    }


def passed(error: BaseException) -> bool:
    """True when ``error`` (a driver's, or SQLAlchemy's wrapping one) is a deadline that passed."""
    orig = getattr(error, "orig", error)
    return getattr(orig, "sqlstate", None) in DEADLINE_STATES


def lift_statement_deadline(conn: Connection) -> None:
    """No statement deadline for the rest of this transaction: for checks that read everything."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
