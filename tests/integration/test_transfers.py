"""The transfer service on real SQLite and PostgreSQL."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from minibank.domain import errors
from minibank.domain.transfers import Limits
from minibank.models import accounts, audit_events, entries, outgoing_totals, transfers
from minibank.services import accounts as account_service
from minibank.services import transfers as transfer_service

from ..support.faults import failing_inserts
from ..support.ledger import assert_ledger_clean, snapshot


def send(db, actor, source, destination, amount, **kwargs):
    return transfer_service.transfer(
        db, actor_id=actor.id, source=source.number, destination=destination.number, amount=amount, **kwargs
    )


def balance(db, account):
    return account_service.get_by_number(db, number=account.number, owner_id=None).balance


def test_transfer_moves_money_with_two_entries_and_an_audit_event(db, make_user, make_account):
    alice, bob = make_user(), make_user()
    source, destination = make_account(owner=alice, balance=100_000), make_account(owner=bob)
    result = send(db, alice, source, destination, 2_550, memo="rent")
    record = result.transfer
    assert (record.source, record.destination, record.amount, record.memo) == (
        source.number,
        destination.number,
        2_550,
        "rent",
    )
    assert not result.replayed
    assert balance(db, source) == 97_450 and balance(db, destination) == 2_550
    rows = db.read(
        lambda c: c.execute(
            select(entries.c.account_id, entries.c.amount, entries.c.balance_after)
            .where(entries.c.transfer_id == record.id)
            .order_by(entries.c.amount)
        ).all()
    )
    assert [tuple(r) for r in rows] == [(source.id, -2_550, 97_450), (destination.id, 2_550, 2_550)]
    events = db.read(
        lambda c: c.execute(
            select(audit_events.c.event, audit_events.c.actor_id).where(
                audit_events.c.object == f"transfer:{record.id}"
            )
        ).all()
    )
    assert [tuple(e) for e in events] == [("transfer", alice.id)]
    assert_ledger_clean(db)


def test_deposits_and_withdrawals_go_through_bank_cash(db, make_account):
    account = make_account(balance=0)
    transfer_service.deposit(db, account=account.number, amount=10_000)
    transfer_service.withdraw(db, account=account.number, amount=2_500)
    assert balance(db, account) == 7_500
    cash = db.read(lambda c: c.execute(select(accounts.c.balance).where(accounts.c.kind == "system")).scalar_one())
    assert cash == -7_500
    with pytest.raises(errors.InsufficientFunds):
        transfer_service.withdraw(db, account=account.number, amount=7_501)
    with pytest.raises(errors.AccountNotFound):
        transfer_service.deposit(db, account="1234567889", amount=1)
    assert_ledger_clean(db)


def test_whole_balance_can_be_sent_but_not_a_cent_more(db, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=1_000), make_account()
    with pytest.raises(errors.InsufficientFunds):
        send(db, alice, source, destination, 1_001)
    send(db, alice, source, destination, 1_000)
    assert balance(db, source) == 0


REFUSALS = {
    "not the caller's account": (lambda s, d, o: dict(actor=o, source=s, destination=d), errors.AccountNotFound),
    "same account": (lambda s, d, o: dict(destination=s), errors.SameAccount),
    "insufficient funds": (lambda s, d, o: dict(amount=10**7), errors.InsufficientFunds),
    "per-transfer limit": (lambda s, d, o: dict(limits=Limits(per_transfer=99)), errors.LimitExceeded),
    "daily limit": (lambda s, d, o: dict(limits=Limits(daily=99)), errors.LimitExceeded),
    "zero amount": (lambda s, d, o: dict(amount=0), errors.InvalidAmount),
    "negative amount": (lambda s, d, o: dict(amount=-5), errors.InvalidAmount),
    "float amount": (lambda s, d, o: dict(amount=1.5), errors.InvalidAmount),
    "bool amount": (lambda s, d, o: dict(amount=True), errors.InvalidAmount),
    "memo too long": (lambda s, d, o: dict(memo="x" * 141), errors.InvalidInput),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_each_refusal_changes_nothing(db, make_user, make_account, case):
    alice, other = make_user(), make_user()
    source, destination = make_account(owner=alice, balance=5_000), make_account()
    build, error = REFUSALS[case]
    kwargs = dict(actor=alice, source=source, destination=destination, amount=100)
    kwargs.update(build(source, destination, other))
    before = snapshot(db)
    with pytest.raises(error):
        send(db, kwargs.pop("actor"), kwargs.pop("source"), kwargs.pop("destination"), kwargs.pop("amount"), **kwargs)
    assert snapshot(db) == before


class Unknown:
    number = "1234567889"  # valid check digits, no such account


class Mistyped:
    number = "1234567898"  # two digits swapped: fails the check before any lookup


@pytest.mark.parametrize("destination", [Unknown, Mistyped])
def test_unknown_destination(db, make_user, make_account, destination):
    alice = make_user()
    source = make_account(owner=alice, balance=5_000)
    before = snapshot(db)
    with pytest.raises(errors.UnknownDestination):
        send(db, alice, source, destination, 100)
    assert snapshot(db) == before


def test_closed_accounts_neither_send_nor_receive(db, make_user, make_account):
    alice, bob = make_user(), make_user()
    source = make_account(owner=alice, balance=5_000)
    closed = account_service.open_account(db, owner_id=bob.id, name="Old", currency="USD")
    account_service.close_account(db, number=closed.number, owner_id=bob.id)
    with pytest.raises(errors.AccountClosed):
        send(db, alice, source, closed, 100)
    with pytest.raises(errors.AccountClosed):
        send(db, bob, closed, source, 100)
    with pytest.raises(errors.AccountClosed):
        transfer_service.deposit(db, account=closed.number, amount=100)
    with pytest.raises(errors.InvalidInput):
        account_service.close_account(db, number=source.number, owner_id=alice.id)  # still holds money


def test_cross_currency_transfers_are_refused(db, make_user, make_account):
    alice = make_user()
    dollars, euros = make_account(owner=alice, balance=5_000), make_account(owner=alice, currency="EUR", balance=5_000)
    before = snapshot(db)
    with pytest.raises(errors.CurrencyMismatch):
        send(db, alice, dollars, euros, 100)
    assert snapshot(db) == before
    assert_ledger_clean(db)


def test_rolling_daily_limit_counts_the_last_24_hours_only(db, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=100_000), make_account()
    limits = Limits(per_transfer=10_000, daily=15_000)
    send(db, alice, source, destination, 10_000, limits=limits)
    with pytest.raises(errors.LimitExceeded):
        send(db, alice, source, destination, 5_001, limits=limits)
    send(db, alice, source, destination, 5_000, limits=limits)
    age_outgoing(db, alice, timedelta(hours=25))  # past the window: no longer counted
    send(db, alice, source, destination, 10_000, limits=limits)
    with pytest.raises(errors.LimitExceeded):
        send(db, alice, source, destination, 5_001, limits=limits)
    assert_ledger_clean(db)  # the hourly totals still match the transfers


def age_outgoing(db, user, by: timedelta) -> None:
    """Move a customer's transfers and hourly totals back in time, as if made earlier."""

    def work(conn):
        for row in conn.execute(
            select(transfers.c.id, transfers.c.created_at).where(transfers.c.initiator_id == user.id)
        ).all():
            conn.execute(update(transfers).where(transfers.c.id == row.id).values(created_at=row.created_at - by))
        for row in conn.execute(select(outgoing_totals.c.hour).where(outgoing_totals.c.user_id == user.id)).all():
            conn.execute(
                update(outgoing_totals)
                .where(outgoing_totals.c.user_id == user.id, outgoing_totals.c.hour == row.hour)
                .values(hour=row.hour - by)
            )

    db.write(work)


def test_idempotency_key_same_request_moves_money_once(db, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    first = send(db, alice, source, destination, 1_000, memo="once", idempotency_key="key-1")
    again = send(db, alice, source, destination, 1_000, memo="once", idempotency_key="key-1")
    assert again.replayed and again.transfer == first.transfer
    assert balance(db, source) == 9_000


def test_idempotency_key_with_a_different_request_is_refused(db, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    send(db, alice, source, destination, 1_000, idempotency_key="key-1")
    before = snapshot(db)
    with pytest.raises(errors.IdempotencyKeyReused):
        send(db, alice, source, destination, 2_000, idempotency_key="key-1")
    assert snapshot(db) == before


def test_idempotency_keys_are_scoped_to_the_user(db, make_user, make_account):
    alice, bob = make_user(), make_user()
    a, b = make_account(owner=alice, balance=10_000), make_account(owner=bob, balance=10_000)
    send(db, alice, a, b, 1_000, idempotency_key="shared")
    assert not send(db, bob, b, a, 1_000, idempotency_key="shared").replayed


def test_a_failure_between_the_entries_leaves_no_trace(db, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    before = snapshot(db)
    # The transfer row and both balance moves are written; then the entries fail.
    with failing_inserts(db, "entries"), pytest.raises(errors.LedgerUnavailable):
        send(db, alice, source, destination, 1_000)
    assert snapshot(db) == before
    assert_ledger_clean(db)


def test_only_parties_can_read_a_transfer(db, make_user, make_account):
    alice, bob, eve = make_user(), make_user(), make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account(owner=bob)
    record = send(db, alice, source, destination, 100).transfer
    assert transfer_service.get_for_party(db, transfer_id=record.id, user_id=alice.id) == record
    assert transfer_service.get_for_party(db, transfer_id=record.id, user_id=bob.id) == record
    with pytest.raises(errors.NotFound):
        transfer_service.get_for_party(db, transfer_id=record.id, user_id=eve.id)
    with pytest.raises(errors.NotFound):
        transfer_service.get_for_party(db, transfer_id=10**9, user_id=alice.id)


def test_a_session_checked_in_the_transfer_refuses_revoked_and_outdated_tokens(db, make_user, make_account):
    from minibank.security import tokens
    from minibank.services import auth as auth_service
    from minibank.services import users

    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    keys = [("k", "k" * 64)]

    def session():
        return tokens.issue(
            user_id=alice.id,
            token_version=users.get(db, user_id=alice.id).token_version,
            keys=keys,
            ttl=60,
            audience=tokens.AUDIENCE_API,
        )[1]

    good = session()
    send(db, alice, source, destination, 100, session=good)
    auth_service.revoke(db, claims=good)
    before = snapshot(db)
    with pytest.raises(errors.Unauthenticated):
        send(db, alice, source, destination, 100, session=good)
    outdated = session()
    auth_service.set_status(db, user_id=alice.id, status="disabled", actor_id=None)
    with pytest.raises(errors.Unauthenticated):
        send(db, alice, source, destination, 100, session=outdated)
    assert snapshot(db)["balances"] == before["balances"]
