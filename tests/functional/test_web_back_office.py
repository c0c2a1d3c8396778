"""The back office in the browser: staff land on it, find customers, pay cash with a confirm step and a
receipt, freeze and close accounts, manage logins, read the audit trail; bad input changes nothing."""

import re

import pytest

from ..support.ledger import assert_ledger_clean, snapshot
from ..support.web import balance, hidden_fields


@pytest.fixture
def carol(make_user, make_account):
    user = make_user(email="carol.cash@example.com", name="Carol Cashman")
    return user, make_account(owner=user, balance=10_000, name="Checking"), make_account(owner=user, name="Savings")


def staff_login(auth, make_user, role):
    user = make_user(email=f"{role}@bank.example", name=f"A {role}", role=role)
    response = auth.login(user.email)
    return user, response


def token(client, path="/admin"):
    return hidden_fields(client.get(path).get_data(as_text=True))["csrf_token"]


@pytest.mark.parametrize("role", ["teller", "supervisor", "auditor"])
def test_staff_land_on_the_back_office(client, auth, make_user, role):
    _user, response = staff_login(auth, make_user, role)
    assert response.status_code == 303 and response.headers["Location"] == "/admin"
    page = client.get("/admin").get_data(as_text=True)
    assert "Find a customer" in page and 'href="/dashboard"' not in page
    assert client.get("/", follow_redirects=False).headers["Location"] == "/admin"


def test_a_customer_still_lands_on_the_dashboard(client, auth, carol):
    assert auth.login(carol[0].email).headers["Location"] == "/dashboard"
    refused = client.get("/admin")
    assert refused.status_code == 403 and "You do not have access to this page" in refused.get_data(as_text=True)


def test_find_a_customer_by_part_of_name_email_or_number(client, auth, make_user, carol):
    user, checking, _savings = carol
    staff_login(auth, make_user, "teller")
    for text in ("cashm", "CAROL.CASH@", checking.number[3:8]):
        page = client.get("/admin", query_string={"q": text}).get_data(as_text=True)
        assert f'href="/admin/customers/{user.id}"' in page, text
    nothing = client.get("/admin", query_string={"q": "nobody-like-this"})
    assert nothing.status_code == 200 and "No customer matches" in nothing.get_data(as_text=True)
    for bad in ("", " ", "x" * 101):
        assert client.get("/admin", query_string={"q": bad}).status_code == 400, bad
    assert client.get("/admin", query_string={"q": "carol", "page": "0"}).status_code == 400


def test_a_customers_page_and_an_accounts_history(client, auth, make_user, carol):
    user, checking, _savings = carol
    staff_login(auth, make_user, "auditor")
    page = client.get(f"/admin/customers/{user.id}").get_data(as_text=True)
    assert "Carol Cashman" in page and "100.00" in page and "Freeze" not in page and "Cash in or out" not in page
    history = client.get(f"/admin/accounts/{checking.number}")
    assert history.status_code == 200 and "test funding" in history.get_data(as_text=True)
    filtered = client.get(f"/admin/accounts/{checking.number}", query_string={"q": "nothing like it"})
    assert "No movements match this search" in filtered.get_data(as_text=True)
    assert client.get(f"/admin/accounts/{checking.number}", query_string={"from": "2025-13-01"}).status_code == 400
    assert client.get("/admin/customers/999999").status_code == 404
    assert client.get("/admin/accounts/1000000064").status_code == 404


def cash_review(client, **fields):
    data = {**hidden_fields(client.get("/admin/cash").get_data(as_text=True)), **fields}
    return client.post("/admin/cash", data=data)


def test_a_deposit_with_a_confirm_step_and_a_receipt(client, db, auth, make_user, carol):
    teller, _response = staff_login(auth, make_user, "teller")
    checking = carol[1]
    review = cash_review(client, kind="deposit", account=checking.number, amount="25.50", memo="counter")
    assert review.status_code == 303 and review.headers["Location"] == "/admin/cash/confirm"
    assert balance(db, checking.number) == 10_000  # nothing has moved yet
    confirm = client.get("/admin/cash/confirm").get_data(as_text=True)
    assert "Carol Cashman" in confirm and "25.50" in confirm
    fields = hidden_fields(confirm)
    done = client.post("/admin/cash/confirm", data=fields)
    assert done.status_code == 303 and re.fullmatch(r"/admin/transfers/\d+", done.headers["Location"])
    receipt = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Cash paid in" in receipt and "25.50" in receipt and f"user {teller.id}" in receipt
    again = client.post("/admin/cash/confirm", data=fields)  # a second press replays: paid once
    assert again.headers["Location"] == done.headers["Location"]
    assert balance(db, checking.number) == 12_550
    assert client.get("/admin/cash/confirm").headers["Location"] == done.headers["Location"]
    assert_ledger_clean(db)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "withdrawal", "amount": "100.01"}, "Not enough money"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"account": "1234"}, "not a valid account number"),
        ({"account": "1000000064"}, "No such account"),
        ({"kind": "steal"}, "Not a valid choice"),
    ],
)
def test_bad_cash_changes_nothing(client, db, auth, make_user, carol, fields, message):
    staff_login(auth, make_user, "teller")
    before = snapshot(db)
    data = {"kind": "deposit", "account": carol[1].number, "amount": "1.00", **fields}
    review = cash_review(client, **data)
    if review.status_code == 303:  # the rule refuses at Confirm
        review = client.post("/admin/cash/confirm", data=hidden_fields(client.get("/admin/cash/confirm").text))
    assert review.status_code == 422 and message.lower() in review.get_data(as_text=True).lower()
    assert "There is a problem" in review.get_data(as_text=True)
    assert snapshot(db) == before


def button(client, path):
    return client.post(path, data={"csrf_token": token(client)})


def test_freeze_unfreeze_close_and_logins(client, db, auth, make_user, carol):
    user, checking, savings = carol
    staff_login(auth, make_user, "supervisor")
    frozen = button(client, f"/admin/accounts/{checking.number}/freeze")
    assert frozen.headers["Location"] == f"/admin/customers/{user.id}"
    page = client.get(frozen.headers["Location"]).get_data(as_text=True)
    assert "is frozen" in page and "Unfreeze" in page
    refused = cash_review(client, kind="withdrawal", account=checking.number, amount="1.00")
    refused = client.post("/admin/cash/confirm", data=hidden_fields(client.get("/admin/cash/confirm").text))
    assert refused.status_code == 422 and "frozen" in refused.get_data(as_text=True)
    button(client, f"/admin/accounts/{checking.number}/unfreeze")
    not_empty = button(client, f"/admin/accounts/{checking.number}/close")
    assert "zero balance" in client.get(not_empty.headers["Location"]).get_data(as_text=True)
    button(client, f"/admin/accounts/{savings.number}/close")
    assert "closed" in client.get(f"/admin/customers/{user.id}").get_data(as_text=True)
    button(client, f"/admin/customers/{user.id}/end-sessions")
    button(client, f"/admin/customers/{user.id}/disable")
    assert "Enable login" in client.get(f"/admin/customers/{user.id}").get_data(as_text=True)
    assert client.post(f"/admin/accounts/{checking.number}/freeze").status_code == 400  # no CSRF token
    audit = client.get("/admin/audit", query_string={"object": checking.number}).get_data(as_text=True)
    assert "account.frozen" in audit and "account.unfrozen" in audit and "The chain holds" in audit
    assert client.get("/admin/audit", query_string={"from": "nope"}).status_code == 400
    assert client.get("/admin/audit", query_string={"actor": "nobody@example.com"}).status_code == 400
