"""The chain stays whole while 8 writers and two sealers run at once, on both engines."""

import multiprocessing
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from minibank.db import Database
from minibank.services import audit_chain
from minibank.store import audit_seal

from ..support.audit import count_events, unsealed
from ..support.ledger import assert_ledger_clean
from ..support.workers import audited_operations, in_fresh_process

pytestmark = pytest.mark.slow
WRITERS = 8
OPERATIONS = 25


@pytest.fixture
def bank(database_url, make_user, make_account):
    """Eight owners with funded accounts, and a Database wide enough for every thread."""
    owners = [make_user() for _ in range(WRITERS)]
    numbers = [make_account(owner=owner, balance=20_000).number for owner in owners]
    db = Database(database_url, pool_size=WRITERS + 2)
    yield db, owners, numbers
    db.dispose()


class Sealers:
    """Two sealer threads, one waiting for the lock and one not, until stopped."""

    def __init__(self, db):
        self.stop = threading.Event()
        self.sealed = Counter()
        self.threads = [threading.Thread(target=self._run, args=(db, wait)) for wait in (True, False)]

    def _run(self, db, wait: bool) -> None:
        while not self.stop.wait(0.005):
            self.sealed[wait] += audit_seal.seal(db, wait=wait)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()


def _jobs(owners, numbers):
    return [(100 + i, owners[i].id, numbers[i], numbers[:i] + numbers[i + 1 :], OPERATIONS) for i in range(WRITERS)]


def _assert_chain_whole(db, before: int, outcomes: Counter, sealers: Sealers) -> None:
    assert sum(outcomes.values()) == WRITERS * OPERATIONS
    assert sum(sealers.sealed.values()) > 0, "the sealers ran while the writers wrote"
    assert set(outcomes) <= {"ok", "insufficient_funds", "opened"}, outcomes
    audit_seal.seal(db)
    report = audit_chain.verify(db)
    assert report.ok, report.problem
    # Every operation wrote exactly one event (done, opened or refused), and all are chained.
    assert count_events(db) == before + WRITERS * OPERATIONS == report.sealed
    assert unsealed(db) == 0
    assert_ledger_clean(db)


def test_eight_writer_threads_and_two_sealers(bank):
    db, owners, numbers = bank
    before = count_events(db)
    with Sealers(db) as sealers, ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(lambda job: audited_operations(db, *job), _jobs(owners, numbers)))
    _assert_chain_whole(db, before, sum(results, Counter()), sealers)


def test_eight_writer_processes_and_two_sealers(bank, database_url):
    db, owners, numbers = bank
    before = count_events(db)
    context = multiprocessing.get_context("spawn")
    with Sealers(db) as sealers, context.Pool(WRITERS) as pool:
        results = pool.starmap(
            in_fresh_process, [(audited_operations, database_url, *job) for job in _jobs(owners, numbers)]
        )
    _assert_chain_whole(db, before, sum(results, Counter()), sealers)
