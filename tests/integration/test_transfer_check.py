"""The confirm step's check: the same rule as the transfer, on the facts as they stand, locking and writing nothing."""

import threading

import psycopg
import pytest

from minibank.domain import transfers as rule
from minibank.domain.errors import InsufficientFunds, LimitExceeded, UnknownDestination
from minibank.services import transfers

from ..support.ledger import snapshot


def _check(db, payer, source, destination, amount):
    transfers.check_transfer(db, actor_id=payer.id, source=source, destination=destination, amount=amount)


def test_the_check_refuses_as_the_transfer_would_and_moves_nothing(db, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    before = snapshot(db)
    _check(db, alice, source.number, destination.number, 10_000)  # allowed: no error
    with pytest.raises(InsufficientFunds, match=r"Not enough money: 100\.00 USD available\."):
        _check(db, alice, source.number, destination.number, 10_001)
    with pytest.raises(UnknownDestination):
        _check(db, alice, source.number, "1234567897", 5)
    assert snapshot(db) == before  # not even an audit row


def test_the_check_follows_a_changed_rule(db, make_user, make_account, monkeypatch):
    original = rule.check_transfer

    def changed(**facts):
        if facts["amount"] == 4242:
            raise LimitExceeded("This bank's rule refuses that exact amount.")
        return original(**facts)

    monkeypatch.setattr(rule, "check_transfer", changed)
    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    with pytest.raises(LimitExceeded, match="exact amount"):
        _check(db, alice, source.number, destination.number, 4242)


def test_the_check_takes_no_lock(db, database_url, make_user, make_account):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite's readers never wait for its writer (WAL)")
    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    holder = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"))
    holder.execute("SELECT 1 FROM accounts WHERE number = %s FOR UPDATE", (source.number,))
    done = threading.Event()
    try:
        threading.Thread(target=lambda: (_check(db, alice, source.number, destination.number, 5), done.set())).start()
        assert done.wait(10), "the check waited for a row lock"
    finally:
        holder.close()
