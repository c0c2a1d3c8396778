"""The back office's actions on both engines: freezing holds through the ledger engine, closing only at zero,
ending sessions, finding customers; each audited with who did it."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from minibank.db import Database
from minibank.domain.batches import BatchOrder, BatchRefused
from minibank.domain.errors import AccountClosed, AccountFrozen, Forbidden, NotFound
from minibank.domain.moves import Move
from minibank.models import accounts, audit_events, users
from minibank.services import customers, staff, transfers

from ..support.ledger import assert_ledger_clean, snapshot
from ..support.workers import send_once


@pytest.fixture
def people(make_user, make_account):
    supervisor = make_user(role="supervisor", name="Sam Supervisor")
    alice = make_user(name="Alice Example", email="alice.example@example.com")
    bob = make_user(name="Bob Other")
    return supervisor, alice, make_account(owner=alice, balance=5_000), make_account(owner=bob, balance=1_000)


def events(db, event):
    query = select(audit_events.c.actor_id, audit_events.c.object).where(audit_events.c.event == event)
    return db.read(lambda conn: [tuple(row) for row in conn.execute(query)])


def test_a_frozen_account_receives_but_cannot_send(db, people):
    supervisor, alice, frozen, other = people
    staff.freeze(db, number=frozen.number, actor_id=supervisor.id)
    assert events(db, "account.frozen") == [(supervisor.id, frozen.number)]
    before = snapshot(db)
    with pytest.raises(AccountFrozen):
        transfers.transfer(db, actor_id=alice.id, source=frozen.number, destination=other.number, amount=100)
    with pytest.raises(AccountFrozen):
        transfers.withdraw(db, account=frozen.number, amount=100, actor_id=supervisor.id)
    with pytest.raises(AccountFrozen):
        transfers.check_transfer(db, actor_id=alice.id, source=frozen.number, destination=other.number, amount=1)
    order = BatchOrder(
        owner_id=alice.id,
        mode="independent",
        moves=(Move(kind="transfer", actor_id=alice.id, source=frozen.number, destination=other.number, amount=5),),
        key="batch-1",
        request_hash="0" * 64,
    )
    with pytest.raises(BatchRefused) as refused:
        db.ledger.submit(order)
    assert "account_frozen" in repr(refused.value.items)
    assert snapshot(db) == before
    transfers.deposit(db, account=frozen.number, amount=250, actor_id=supervisor.id)
    transfers.transfer(db, actor_id=other.owner_id, source=other.number, destination=frozen.number, amount=250)
    staff.unfreeze(db, number=frozen.number, actor_id=supervisor.id)
    transfers.transfer(db, actor_id=alice.id, source=frozen.number, destination=other.number, amount=100)
    assert_ledger_clean(db)


def test_a_freeze_racing_transfers_stops_every_one_after_it(database_url, people):
    """The freeze takes the account's row lock like the ledger does: the balance it saw is the last."""
    supervisor, alice, account, other = people
    wide = Database(database_url, pool_size=10)
    barrier = threading.Barrier(9)

    def send(_):
        barrier.wait()
        return Counter(send_once(wide, alice.id, account.number, other.number, 10) for _ in range(12))

    def freeze():
        barrier.wait()
        return staff.freeze(wide, number=account.number, actor_id=supervisor.id)

    try:
        with ThreadPoolExecutor(9) as pool:
            frozen = pool.submit(freeze)
            outcomes = sum(pool.map(send, range(8)), Counter())
        at_freeze = frozen.result().balance
        assert set(outcomes) <= {"ok", "account_frozen"} and outcomes["account_frozen"] > 0
        assert outcomes["ok"] == (5_000 - at_freeze) // 10
        assert (
            wide.read(
                lambda c: c.execute(select(accounts.c.balance).where(accounts.c.number == account.number)).scalar()
            )
            == at_freeze
        )
        assert_ledger_clean(wide)
    finally:
        wide.dispose()


def test_close_only_at_zero_then_nothing_moves(db, people):
    supervisor, _alice, account, _other = people
    with pytest.raises(staff.AccountNotEmpty):
        staff.close(db, number=account.number, actor_id=supervisor.id)
    transfers.withdraw(db, account=account.number, amount=5_000, actor_id=supervisor.id)
    closed = staff.close(db, number=account.number, actor_id=supervisor.id)
    assert closed.status == "closed" and events(db, "account.closed_by_staff") == [(supervisor.id, account.number)]
    with pytest.raises(AccountClosed):
        transfers.deposit(db, account=account.number, amount=1, actor_id=supervisor.id)
    with pytest.raises(staff.WrongAccountStatus):
        staff.freeze(db, number=account.number, actor_id=supervisor.id)
    assert_ledger_clean(db)


def test_staff_never_act_on_their_own_accounts_or_bank_accounts(db, make_account, people):
    supervisor, _alice, account, _other = people
    own = make_account(owner=supervisor)
    before = snapshot(db)
    with pytest.raises(NotFound):  # a staff member's account is not a customer's
        staff.freeze(db, number=own.number, actor_id=supervisor.id)
    with pytest.raises(Forbidden):
        transfers.deposit(db, account=own.number, amount=100, actor_id=supervisor.id)
    with pytest.raises(NotFound):
        staff.freeze(db, number="1000000064", actor_id=supervisor.id)
    with pytest.raises(staff.WrongAccountStatus):
        staff.unfreeze(db, number=account.number, actor_id=supervisor.id)
    assert snapshot(db) == before


def test_ending_sessions_bumps_the_token_version(db, people):
    supervisor, alice, _account, _other = people
    version = db.read(lambda c: c.execute(select(users.c.token_version).where(users.c.id == alice.id)).scalar())
    staff.end_sessions(db, user_id=alice.id, actor_id=supervisor.id)
    after = db.read(lambda c: c.execute(select(users.c.token_version).where(users.c.id == alice.id)).scalar())
    assert after == version + 1 and events(db, "admin.sessions_ended") == [(supervisor.id, f"user:{alice.id}")]
    with pytest.raises(NotFound):
        staff.end_sessions(db, user_id=supervisor.id + 10_000, actor_id=supervisor.id)


def test_search_finds_customers_by_part_of_name_email_or_number(db, people, make_user):
    supervisor, alice, account, _other = people
    assert [u.id for u in customers.search(db, text="aLIce").items] == [alice.id]
    assert [u.id for u in customers.search(db, text="ALICE.EX").items] == [alice.id]
    spaced = f"{account.number[2:6]} {account.number[6:8]}"
    assert [u.id for u in customers.search(db, text=spaced).items] == [alice.id]
    assert customers.search(db, text="Sam Super").items == []  # staff are not customers
    assert customers.search(db, text="%").items == [] and customers.search(db, text="_").items == []
    for n in range(3):
        make_user(name=f"Zed {n}")
    first = customers.search(db, text="zed", per_page=2)
    second = customers.search(db, text="zed", page=2, per_page=2)
    assert first.has_next and not second.has_next and len(first.items + second.items) == 3
    found = customers.get(db, user_id=alice.id)
    assert [a.number for a in found.accounts] == [account.number]
    with pytest.raises(NotFound):
        customers.get(db, user_id=supervisor.id)
