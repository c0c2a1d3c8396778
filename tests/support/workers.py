"""Code that runs in worker threads and processes of the concurrency tests."""

import random
import threading
from collections import Counter

from minibank.db import Database
from minibank.domain.errors import BankError
from minibank.services import transfers


def send_once(db: Database, actor_id: int, source: str, destination: str, amount: int) -> str:
    """One transfer; returns "ok" or the refusal's code."""
    try:
        transfers.transfer(db, actor_id=actor_id, source=source, destination=destination, amount=amount)
        return "ok"
    except BankError as refusal:
        return refusal.code


def drain_in_process(
    url: str, barrier, actor_id: int, source: str, destination: str, amount: int, threads: int
) -> Counter:
    """In a fresh process: ``threads`` simultaneous transfers, released together by ``barrier``."""
    db = Database(url, pool_size=threads)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def one():
        barrier.wait()
        outcome = send_once(db, actor_id, source, destination, amount)
        with lock:
            outcomes[outcome] += 1

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    db.dispose()
    return outcomes


def random_transfers(
    db: Database, seed: int, actor_id: int, source: str, others: list[str], operations: int
) -> Counter:
    """``operations`` seeded random transfers out of ``source``; returns outcome counts."""
    rng = random.Random(seed)
    outcomes: Counter = Counter()
    for _ in range(operations):
        outcomes[send_once(db, actor_id, source, rng.choice(others), rng.randint(1, 500))] += 1
    return outcomes


def in_fresh_process(work, url: str, *args):
    """Run ``work(db, *args)`` in this (fresh) process with an engine of its own."""
    db = Database(url, pool_size=1)
    try:
        return work(db, *args)
    finally:
        db.dispose()


def random_transfers_in_process(
    url: str, seed: int, actor_id: int, source: str, others: list[str], operations: int
) -> Counter:
    """The same, in a fresh process with its own engine."""
    return in_fresh_process(random_transfers, url, seed, actor_id, source, others, operations)


def audited_operations(
    db: Database, seed: int, owner_id: int, source: str, others: list[str], operations: int
) -> Counter:
    """Seeded account opens and transfers; each writes exactly one audit event (done or refused)."""
    from minibank.services import accounts

    rng = random.Random(seed)
    outcomes: Counter = Counter()
    for _ in range(operations):
        if rng.random() < 0.2:
            accounts.open_account(db, owner_id=owner_id, name="Extra", currency="USD")
            outcomes["opened"] += 1
        else:
            outcomes[send_once(db, owner_id, source, rng.choice(others), rng.randint(1, 3_000))] += 1
    return outcomes
