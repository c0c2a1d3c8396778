"""Payees on both engines: one row per customer and account, audited; confirmation of payee reads the holder's name."""

import pytest

from minibank.domain.errors import Conflict, UnknownDestination
from minibank.services import payees


def test_a_payee_is_saved_once_per_customer_and_account(db, make_user, make_account):
    alice = make_user(email="alice@example.com")
    dan = make_account(owner=make_user(email="dan@example.com", name="Dan Secretname"))
    payee, check = payees.add(db, owner_id=alice.id, name="Dan Secretname", number=dan.number)
    assert (payee.name, payee.name_check, check.outcome) == ("Dan Secretname", "match", "match")
    with pytest.raises(Conflict):
        payees.add(db, owner_id=alice.id, name="Dan Secretname", number=dan.number)
    bob = make_user(email="bob@example.com")
    assert (
        payees.add(db, owner_id=bob.id, name="D Secretname", number=dan.number, confirmed=True)[0].name_check
        == "close_match"
    )
    assert [p.name for p in payees.list_for_owner(db, owner_id=alice.id)] == ["Dan Secretname"]


def test_the_bank_cash_account_has_no_holder_to_confirm(db, make_user, make_account):
    from minibank.services.accounts import cash_account_number

    make_account(balance=100)  # the cash account exists once money has come in
    cash = db.read(lambda conn: cash_account_number(conn, "USD"))
    with pytest.raises(UnknownDestination):
        payees.confirm_name(db, number=cash, name="Bank cash")
