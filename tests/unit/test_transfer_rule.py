"""The pure transfer rule: every refusal, and the order in which they answer."""

import pytest

from minibank.domain import errors
from minibank.domain.transfers import AccountState, Limits, check_memo, check_transfer

ALICE, BOB = 1, 2


def account(id=10, owner=ALICE, currency="USD", status="open", kind="customer", balance=10_000):
    return AccountState(id=id, owner_id=owner, currency=currency, status=status, kind=kind, balance=balance)


def check(source=None, destination=None, amount=100, actor=ALICE, limits=Limits(), sent=0):
    check_transfer(
        actor_id=actor,
        source=account() if source is None else source,
        destination=account(id=20, owner=BOB) if destination is None else destination,
        amount=amount,
        limits=limits,
        sent_last_24h=sent,
    )


def test_allows_a_covered_transfer_between_open_accounts():
    check()
    check(amount=10_000)  # the whole balance


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"source": account(owner=BOB)}, errors.AccountNotFound),
        ({"destination": account(id=10)}, errors.SameAccount),
        ({"source": account(status="closed")}, errors.AccountClosed),
        ({"source": account(status="frozen")}, errors.AccountFrozen),
        ({"source": account(status="frozen", balance=0), "amount": 1}, errors.AccountFrozen),
        ({"destination": account(id=20, owner=BOB, status="closed")}, errors.AccountClosed),
        ({"destination": account(id=20, owner=BOB, currency="EUR")}, errors.CurrencyMismatch),
        ({"amount": 10_001}, errors.InsufficientFunds),
        ({"limits": Limits(per_transfer=99)}, errors.LimitExceeded),
        ({"limits": Limits(daily=1000), "sent": 901}, errors.LimitExceeded),
    ],
)
def test_refusals(kwargs, error):
    with pytest.raises(error):
        check(**kwargs)


def test_a_frozen_account_receives():
    check(destination=account(id=20, owner=BOB, status="frozen"))
    check(actor=None, destination=account(id=20, owner=BOB, status="frozen"))  # a deposit at the counter


def test_a_frozen_source_answers_before_a_closed_destination_and_after_same_account():
    with pytest.raises(errors.AccountFrozen):
        check(source=account(status="frozen"), destination=account(id=20, owner=BOB, status="closed"))
    with pytest.raises(errors.SameAccount):
        check(source=account(status="frozen"), destination=account(id=10, status="frozen"))


def test_missing_source_and_destination():
    with pytest.raises(errors.AccountNotFound):
        check_transfer(actor_id=ALICE, source=None, destination=account(id=20, owner=BOB), amount=1)
    with pytest.raises(errors.UnknownDestination):
        check_transfer(actor_id=ALICE, source=account(), destination=None, amount=1)


def test_daily_limit_counts_what_was_already_sent():
    check(limits=Limits(daily=1000), sent=900, amount=100)
    with pytest.raises(errors.LimitExceeded, match=r"still send 1\.00"):
        check(limits=Limits(daily=1000), sent=900, amount=101)


def test_refusals_answer_in_the_documented_order():
    broken = dict(
        source=account(status="closed", balance=0),
        destination=account(id=20, owner=BOB, currency="EUR", status="closed"),
        limits=Limits(per_transfer=1),
        amount=500,
    )
    with pytest.raises(errors.AccountNotFound):
        check(**{**broken, "actor": BOB + 1})
    with pytest.raises(errors.SameAccount):
        check(**{**broken, "destination": broken["source"]})
    with pytest.raises(errors.AccountClosed):
        check(**broken)
    with pytest.raises(errors.AccountClosed):
        check(**{**broken, "source": account(balance=0)})
    with pytest.raises(errors.CurrencyMismatch):
        check(**{**broken, "source": account(balance=0), "destination": account(id=20, owner=BOB, currency="EUR")})
    with pytest.raises(errors.LimitExceeded):
        check(**{**broken, "source": account(balance=0), "destination": account(id=20, owner=BOB)})
    with pytest.raises(errors.InsufficientFunds):
        check(**{**broken, "source": account(balance=0), "destination": account(id=20, owner=BOB), "limits": Limits()})


def test_teller_moves_skip_ownership_and_limits_but_not_overdraft():
    cash = account(id=1, owner=None, kind="system", balance=-5)
    check(actor=None, source=cash, amount=10**9, limits=Limits(per_transfer=1))  # system may go negative
    with pytest.raises(errors.InsufficientFunds):
        check(actor=None, source=account(balance=5), destination=cash, amount=6)


@pytest.mark.parametrize("memo", ["x" * 141, "a\nb", "tab\there", "\x00", 5, ["memo"]])
def test_memo_refusals(memo):
    with pytest.raises(errors.InvalidInput):
        check_memo(memo)


def test_memo_is_trimmed_and_optional():
    assert check_memo("  rent  ") == "rent"
    assert check_memo(None) == ""
    assert check_memo("é" * 140) == "é" * 140


def test_no_balance_leaves_the_signed_64_bit_range():
    top = 2**63 - 1
    cash = account(id=30, owner=None, kind="system", balance=0)
    check(source=cash, destination=account(id=20, owner=BOB, balance=top - 100), amount=100, actor=None)
    with pytest.raises(errors.LimitExceeded):
        check(source=cash, destination=account(id=20, owner=BOB, balance=top - 100), amount=101, actor=None)
    with pytest.raises(errors.LimitExceeded):
        check(source=account(id=30, owner=None, kind="system", balance=-top + 50), amount=51, actor=None)
