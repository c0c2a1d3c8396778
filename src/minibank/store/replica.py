"""Reads a PostgreSQL replica may serve: history, statements, the dashboard's movements.

A read goes to the replica only when it can show exactly what the primary would: the
replica is at most MINIBANK_REPLICA_MAX_LAG_MS behind (checked at most a few times a second
per process), and it already holds the newest movement of every account the read shows, as
the primary has it. So whoever just moved money, or received it, reads it at once
(read-your-writes, for the other side too), and nobody reads older data than the bound. The
transfer rule and the confirm step never come here: they run on the primary, in the ledger.
"""

import time

import structlog
from sqlalchemy import bindparam, text
from sqlalchemy.exc import SQLAlchemyError

from ..metrics import REPLICA_READS

log = structlog.get_logger("minibank.replica")

LAG_CHECK_SECONDS = 0.25
_NEWEST = text(
    "SELECT a.number, (SELECT max(e.id) FROM entries e WHERE e.account_id = a.id) "
    "FROM accounts a WHERE a.number IN :numbers"
).bindparams(bindparam("numbers", expanding=True))
# Seconds behind the primary: none when it has replayed all it received, else since its last replayed commit.
_LAG = text(
    "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


class ReplicaReads:
    """Chooses, per read, the replica when it is exact for the accounts read, else the primary."""

    def __init__(self, primary, replica=None, *, max_lag_ms: int = 1000):
        self.primary, self.replica, self.max_lag = primary, replica, max_lag_ms / 1000
        self._lag_ok, self._checked = False, 0.0

    def for_accounts(self, numbers: list[str]):
        """The database to read these accounts' movements from."""
        if self.replica is None or not numbers:
            return self.primary
        try:
            exact = self._lag_within_bound() and self._same_newest(numbers)
        except SQLAlchemyError as error:
            log.warning("replica.unusable", error=type(error).__name__)
            exact = False
        REPLICA_READS.labels("replica" if exact else "primary").inc()
        return self.replica if exact else self.primary

    def _lag_within_bound(self) -> bool:
        now = time.monotonic()
        if now - self._checked >= LAG_CHECK_SECONDS:
            lag = self.replica.read(lambda conn: conn.execute(_LAG).scalar())
            self._lag_ok, self._checked = float(lag) <= self.max_lag, now
        return self._lag_ok

    def _same_newest(self, numbers: list[str]) -> bool:
        """Does the replica hold every account read, and each one's newest movement, as the primary does?"""
        wanted = sorted(set(numbers))
        on_primary = dict(self.primary.read(lambda conn: conn.execute(_NEWEST, {"numbers": wanted}).all()))
        if len(on_primary) != len(wanted):
            return False  # an account the primary does not know: let the primary answer (404)
        on_replica = dict(self.replica.read(lambda conn: conn.execute(_NEWEST, {"numbers": wanted}).all()))
        return on_replica == on_primary
