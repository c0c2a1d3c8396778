"""A customer cannot pay the bank's own (system) accounts: refused like an unknown destination, on both engines and paths."""

import pytest
from sqlalchemy import select

from minibank.domain.errors import UnknownDestination
from minibank.domain.transfers import SYSTEM
from minibank.models import accounts
from minibank.services import transfers


def test_a_transfer_to_the_cash_account_is_an_unknown_destination(db, make_user, make_account):
    alice = make_user(email="alice@example.com")
    source = make_account(owner=alice, balance=100_00)
    cash = db.read(lambda conn: conn.execute(select(accounts.c.number).where(accounts.c.kind == SYSTEM)).scalar())
    assert cash
    with pytest.raises(UnknownDestination):
        transfers.transfer(db, actor_id=alice.id, source=source.number, destination=cash, amount=1_00)
    balance = db.read(
        lambda conn: conn.execute(select(accounts.c.balance).where(accounts.c.number == source.number)).scalar()
    )
    assert balance == 100_00


def test_history_hides_the_cash_account_number(db, make_user, make_account):
    from minibank.services import history

    alice = make_user(email="alice@example.com")
    account = make_account(owner=alice, balance=5_00)  # funded by a real deposit
    items = history.page(db, number=account.number, owner_id=alice.id).items
    assert [(item.kind, item.counterparty) for item in items] == [("deposit", None)]
