"""The login lockout's counters (security/throttle.py) in the database: one statement to read, one to count."""

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..models import login_failures as table


class DatabaseCounters:
    """Failed-login counts shared by every worker and host through the bank's own database."""

    def __init__(self, db):
        self._db = db

    def get_many(self, keys: list[str], now: float) -> dict[str, int]:
        """The unexpired counts of ``keys`` (missing keys count 0)."""
        query = select(table.c.key, table.c.count).where(table.c.key.in_(keys), table.c.expires_at > int(now))
        return dict(self._db.read(lambda conn: conn.execute(query).all()))

    def incr_many(self, expiries: dict[str, int], now: float) -> None:
        """Count one more under each key (expired counts start again at one); forget every expired count."""

        def work(conn):
            conn.execute(delete(table).where(table.c.expires_at <= int(now)))
            insert = (postgres_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table)
            # In key order, so that two logins counting the same keys lock them in the same order.
            upsert = insert.values([{"key": k, "count": 1, "expires_at": e} for k, e in sorted(expiries.items())])
            upsert = upsert.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={"count": table.c.count + 1, "expires_at": upsert.excluded.expires_at},
            )
            conn.execute(upsert)

        self._db.write(work)

    def clear_many(self, keys: Iterable[str]) -> None:
        """Forget ``keys``."""
        names = sorted(set(keys))
        self._db.write(lambda conn: conn.execute(delete(table).where(table.c.key.in_(names))))
