"""Transfers per second through the transfer service alone (no HTTP), one thread.

Isolates the ledger's own cost per transfer: `python bench/service_loop.py URL [N]`.
The URL's database is migrated and gets a few benchmark accounts.
"""

import sys
import time

from minibank import migrate
from minibank.db import Database
from minibank.domain.transfers import Limits
from minibank.services import accounts, transfers, users


def main(url: str, count: int = 2000) -> None:
    """Run ``count`` transfers back and forth and print the rate and CPU per transfer."""
    db = Database(url)
    migrate.upgrade(db.engine)
    owner = users.create_user(
        db, email=f"bench{time.time_ns()}@example.com", name="Bench", password="bench password long"
    )
    a = accounts.open_account(db, owner_id=owner.id, name="A", currency="USD")
    b = accounts.open_account(db, owner_id=owner.id, name="B", currency="USD")
    transfers.deposit(db, account=a.number, amount=10**12)
    limits = Limits(per_transfer=10**9, daily=10**15)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        transfers.transfer(db, actor_id=owner.id, source=a.number, destination=b.number, amount=1, limits=limits)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"{db.dialect}: {count / wall:.0f} transfers/s, {wall / count * 1e6:.0f} us wall, {cpu / count * 1e6:.0f} us CPU each"
    )


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
