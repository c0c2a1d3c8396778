"""The history views the web pages use: whole ranges, latest across accounts, balances after."""

import pytest

from minibank.domain.errors import NotFound
from minibank.services import history, transfers


def test_between_streams_every_movement_oldest_first_in_batches(db, make_user, make_account, monkeypatch):
    monkeypatch.setattr(history, "STATEMENT_BATCH", 3)
    alice = make_user()
    source, destination = make_account(owner=alice, balance=1_000), make_account()
    for amount in range(1, 8):
        transfers.transfer(db, actor_id=alice.id, source=source.number, destination=destination.number, amount=amount)
    account, items = history.between(db, number=source.number, owner_id=alice.id)
    assert account.number == source.number
    assert [i.amount for i in items] == [1_000, -1, -2, -3, -4, -5, -6, -7]
    with pytest.raises(NotFound):  # at once, before any movement is read
        history.between(db, number=source.number, owner_id=make_user().id)


def test_latest_for_owner_merges_accounts_newest_first(db, make_user, make_account):
    alice = make_user()
    one, two = make_account(owner=alice, balance=500), make_account(owner=alice, balance=500)
    other = make_account()
    for n, source in enumerate([one, two, one, two, one], start=1):
        transfers.transfer(db, actor_id=alice.id, source=source.number, destination=other.number, amount=n)
    latest = history.latest_for_owner(db, accounts=[one, two], limit=4)
    assert [(m.account.number, m.item.amount) for m in latest] == [
        (one.number, -5),
        (two.number, -4),
        (one.number, -3),
        (two.number, -2),
    ]


def test_balances_after_shows_only_the_owners_side(db, make_user, make_account):
    alice, bob = make_user(), make_user()
    source, destination = make_account(owner=alice, balance=1_000), make_account(owner=bob, balance=50)
    sent = transfers.transfer(db, actor_id=alice.id, source=source.number, destination=destination.number, amount=300)
    assert history.balances_after(db, transfer_id=sent.transfer.id, owner_id=alice.id) == {source.number: 700}
    assert history.balances_after(db, transfer_id=sent.transfer.id, owner_id=bob.id) == {destination.number: 350}
    assert history.balances_after(db, transfer_id=sent.transfer.id, owner_id=make_user().id) == {}
