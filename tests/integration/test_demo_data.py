"""`minibank demo`: the demo users with fixed, valid account numbers, printed beside the logins."""

from datetime import timedelta

import pytest

from minibank.domain.accounts import is_valid_number
from minibank.domain.errors import InvalidInput
from minibank.services import accounts, history, payees, users
from minibank.services.demo import DEMO_USERS, demo_logins


def test_demo_numbers_are_valid_and_distinct():
    numbers = [number for *_, opened in DEMO_USERS.values() for _name, _balance, number in opened]
    assert len(set(numbers)) == len(numbers) == 3
    assert all(is_valid_number(number) for number in numbers)


def test_demo_prints_each_login_with_its_accounts(runner, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "demo data loaded" in result.output
    for email, (_name, password, _role, opened) in DEMO_USERS.items():
        assert f"{email}" in result.output and password in result.output
        for name, _balance, number in opened:
            assert accounts.get_by_number(db, number=number, owner_id=None).name == name
            assert number in result.output
    assert "7,500.00 USD" in result.output and "1,000.00 USD" in result.output


def test_demo_again_loads_nothing_and_shows_the_demo_users_as_they_are(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    alice = next(login for login in demo_logins(db) if login.email == "alice@example.com")
    assert [(name, number, balance) for name, number, balance, _currency in alice.accounts] == [
        ("Checking", "4821093322", 750_000),
        ("Savings", "4821093419", 20_000),
    ]
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "demo data not loaded" in result.output
    assert "4821093322" in result.output and "alice-demo-password" in result.output


def test_demo_on_a_bank_of_other_users_prints_no_logins(runner, make_user):
    make_user()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "demo data not loaded" in result.output and "password" not in result.output


def test_open_account_refuses_a_given_number_with_wrong_check_digits(db, make_user):
    with pytest.raises(InvalidInput):
        accounts.open_account(db, owner_id=make_user().id, name="Checking", currency="USD", number="4821093377")


def test_the_demo_has_payees_and_months_of_varied_history_that_the_ledger_and_audit_accept(runner, db):
    assert runner.invoke(args=["demo"]).exit_code == 0
    alice = users.get_by_email(db, email="alice@example.com")
    assert {p.name for p in payees.list_for_owner(db, owner_id=alice.id)} == {
        "Harbour Lettings",
        "Northwind Energy",
        "Green Grocers",
        "Bob Example",
    }
    _, items = history.between(db, number="4821093322", owner_id=alice.id)
    movements = list(items)
    days = {item.created_at.date() for item in movements}
    assert max(days) - min(days) >= timedelta(days=90) and len(movements) >= 30
    names = {item.counterparty_name for item in movements}
    assert {"Acme Works Ltd", "Harbour Lettings", "Savings", "Cash withdrawal", "Bob Example"} <= names
    assert movements[-1].balance_after == 750_000  # the balance the README promises
    for check in ("verify-ledger", "verify-audit"):
        result = runner.invoke(args=[check])
        assert result.exit_code == 0, result.output
