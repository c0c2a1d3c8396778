"""The demo's story reaches the balances the README promises from a positive start, whatever the day it is loaded."""

from datetime import UTC, datetime, timedelta

from minibank.services.demo import DEMO_USERS
from minibank.services.demo_story import beginning, net_by_holder, story

PROMISED = {"alice": 750_000, "alice_savings": 20_000, "bob": 100_000}


def test_the_promised_balances_match_the_demo_users():
    alice, bob = DEMO_USERS["alice@example.com"][3], DEMO_USERS["bob@example.com"][3]
    assert (alice[0][1], alice[1][1], bob[0][1]) == tuple(PROMISED.values())


def test_no_demo_account_is_ever_overdrawn_whatever_the_day():
    for hours in range(0, 366 * 24, 7):
        _check(datetime(2027, 1, 1, tzinfo=UTC) + timedelta(hours=hours))


def _check(now):
    events = story(now)
    net = net_by_holder(events)
    assert all(event.when <= now - timedelta(hours=1) for event in events)
    assert all(beginning(now) < event.when for event in events)
    assert [e.when for e in events] == sorted(e.when for e in events)
    for holder, promised in PROMISED.items():
        balance = promised - net.get(holder, 0)  # the opening deposit
        assert balance >= 0
        for event in events:
            balance += (event.destination == holder) * event.amount - (event.source == holder) * event.amount
            assert balance >= 0, (holder, event)
        assert balance == promised
