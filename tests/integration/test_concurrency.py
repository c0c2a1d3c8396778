"""Races on real engines: threads share one engine, processes each have their own."""

import multiprocessing
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from minibank.db import Database

from ..support.ledger import assert_ledger_clean, customer_total
from ..support.workers import drain_in_process, random_transfers, random_transfers_in_process, send_once

pytestmark = pytest.mark.slow


@pytest.fixture
def wide_db(database_url):
    """A Database with a pool wide enough for 32 simultaneous transactions."""
    db = Database(database_url, pool_size=32)
    yield db
    db.dispose()


def test_32_threads_drain_1000_in_100s_exactly_ten_succeed(wide_db, make_user, make_account):
    alice = make_user()
    source = make_account(owner=alice, balance=100_000)
    destinations = [make_account() for _ in range(4)]
    total = customer_total(wide_db)
    barrier = threading.Barrier(32)

    def one(i):
        barrier.wait()
        return send_once(wide_db, alice.id, source.number, destinations[i % 4].number, 10_000)

    with ThreadPoolExecutor(32) as pool:
        outcomes = Counter(pool.map(one, range(32)))
    assert outcomes == {"ok": 10, "insufficient_funds": 22}
    assert_balances(wide_db, source, 0, total)


def test_32_transfers_from_8_processes_exactly_ten_succeed(database_url, db, make_user, make_account):
    alice = make_user()
    source = make_account(owner=alice, balance=100_000)
    destination = make_account()
    total = customer_total(db)
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(32)
    with context.Pool(8) as pool:
        results = pool.starmap(
            drain_in_process,
            [(database_url, barrier, alice.id, source.number, destination.number, 10_000, 4)] * 8,
        )
    outcomes = sum(results, Counter())
    assert outcomes == {"ok": 10, "insufficient_funds": 22}
    assert_balances(db, source, 0, total)


def _mixed_setup(make_user, make_account):
    owners = [make_user() for _ in range(8)]
    accounts = [make_account(owner=owner, balance=100_000) for owner in owners]
    return owners, accounts


def test_mixed_random_transfers_from_8_threads_conserve_money(wide_db, make_user, make_account):
    owners, accounts = _mixed_setup(make_user, make_account)
    total = customer_total(wide_db)
    numbers = [a.number for a in accounts]
    with ThreadPoolExecutor(8) as pool:
        results = pool.map(
            lambda i: random_transfers(wide_db, i, owners[i].id, numbers[i], numbers[:i] + numbers[i + 1 :], 250),
            range(8),
        )
        outcomes = sum(results, Counter())
    assert sum(outcomes.values()) == 2000
    assert set(outcomes) <= {"ok", "insufficient_funds"} and outcomes["ok"] > 1500
    assert customer_total(wide_db) == total
    assert_ledger_clean(wide_db)


def test_mixed_random_transfers_from_8_processes_conserve_money(database_url, db, make_user, make_account):
    owners, accounts = _mixed_setup(make_user, make_account)
    total = customer_total(db)
    numbers = [a.number for a in accounts]
    context = multiprocessing.get_context("spawn")
    with context.Pool(8) as pool:
        results = pool.starmap(
            random_transfers_in_process,
            [(database_url, 100 + i, owners[i].id, numbers[i], numbers[:i] + numbers[i + 1 :], 250) for i in range(8)],
        )
    outcomes = sum(results, Counter())
    assert sum(outcomes.values()) == 2000
    assert set(outcomes) <= {"ok", "insufficient_funds"} and outcomes["ok"] > 1500
    assert customer_total(db) == total
    assert_ledger_clean(db)


def assert_balances(db, source, expected, total):
    from minibank.services.accounts import get_by_number

    assert get_by_number(db, number=source.number, owner_id=None).balance == expected
    assert customer_total(db) == total
    assert_ledger_clean(db)
