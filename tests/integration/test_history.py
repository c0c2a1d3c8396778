"""Account history: newest first, keyset pages, owner-only, date range."""

from datetime import timedelta

import pytest

from minibank.domain.errors import InvalidInput, NotFound
from minibank.models import utcnow
from minibank.services import history, transfers
from minibank.services.history import HistoryFilter


def test_pages_walk_every_entry_once_newest_first(db, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    for amount in range(1, 8):
        transfers.transfer(
            db,
            actor_id=alice.id,
            source=source.number,
            destination=destination.number,
            amount=amount,
            memo=f"m{amount}",
        )
    seen, cursor = [], None
    while True:
        result = history.page(db, number=source.number, owner_id=alice.id, limit=3, cursor=cursor)
        seen.extend(result.items)
        # Money moving between pages must not shift them.
        transfers.deposit(db, account=source.number, amount=1)
        if result.next_cursor is None:
            break
        cursor = result.next_cursor
    first_page_ids = [item.id for item in seen]
    assert first_page_ids == sorted(first_page_ids, reverse=True)
    assert [i.amount for i in seen] == [-7, -6, -5, -4, -3, -2, -1, 10_000]
    assert seen[0].counterparty == destination.number and seen[0].memo == "m7"
    assert seen[0].balance_after == 10_000 - sum(range(1, 8))


def test_history_is_owner_only(db, make_user, make_account):
    alice, eve = make_user(), make_user()
    account = make_account(owner=alice, balance=100)
    with pytest.raises(NotFound):
        history.page(db, number=account.number, owner_id=eve.id)


def test_date_range_and_bad_input(db, make_user, make_account):
    alice = make_user()
    account = make_account(owner=alice, balance=100)
    now = utcnow()
    recent, older = HistoryFilter(since=now - timedelta(minutes=1)), HistoryFilter(until=now - timedelta(minutes=1))
    assert len(history.page(db, number=account.number, owner_id=alice.id, where=recent).items) == 1
    assert history.page(db, number=account.number, owner_id=alice.id, where=older).items == []
    for bad in ["zzz", "ZTE=x", "e1", "abc$"]:
        with pytest.raises(InvalidInput):
            history.page(db, number=account.number, owner_id=alice.id, cursor=bad)
    with pytest.raises(InvalidInput):
        history.page(db, number=account.number, owner_id=alice.id, limit=101)
