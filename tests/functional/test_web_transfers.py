"""The transfer pages: form, confirmation, receipt; refusals, CSRF, idempotency, privacy."""

import pytest

from minibank import create_app
from minibank.services import accounts

from ..support.databases import DATABASES, database_url_for
from ..support.http import Auth
from ..support.web import Banking, balance, comparable, hidden_fields, unused_number


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """This file runs on both engines (the other functional tests use SQLite only)."""
    return database_url_for(request.param, request, tmp_path)


@pytest.fixture
def payee(make_user, make_account):
    """Another customer's account: a valid destination."""
    return make_account(owner=make_user(email="dan@example.com", name="Dan Secretname"), balance=500)


def test_form_offers_own_open_accounts_and_a_fresh_token(client, db, customer, make_account):
    user, funded, empty = customer
    closed = make_account(owner=user, name="Old account")
    accounts.close_account(db, number=closed.number, owner_id=user.id)
    page = client.get(f"/transfer?from={empty.number}").get_data(as_text=True)
    assert funded.number[:4] in page and "Checking" in page and "Old account" not in page
    assert f'selected value="{empty.number}"' in page
    first, second = hidden_fields(page)["token"], hidden_fields(client.get("/transfer").get_data(as_text=True))["token"]
    assert len(first) >= 20 and first != second
    assert 'for="to"' in page and 'id="to"' in page  # labels are tied to their inputs


def test_review_shows_the_details_and_moves_nothing(client, db, customer, payee, banking):
    _, funded, _ = customer
    response = banking.review(funded.number, payee.number, "12.50", "rent")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Confirm and send" in page
    assert "12.50 USD" in page and "rent" in page and payee.number[:4] in page
    assert "Secretname" not in page  # another customer's name is never revealed
    assert balance(db, funded.number) == 10_000


def test_confirm_moves_money_and_redirects_to_the_receipt(client, db, customer, payee, banking):
    _, funded, _ = customer
    response = banking.send(
        funded.number, f"{payee.number[:4]} {payee.number[4:8]}-{payee.number[8:]}", "12.50", "rent"
    )
    assert response.status_code == 303 and "/transfers/" in response.headers["Location"]
    assert balance(db, funded.number) == 8_750 and balance(db, payee.number) == 1_750
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Transfer sent" in receipt and "12.50 USD" in receipt and "87.50 USD" in receipt and "rent" in receipt
    assert receipt.count("Sent 12.50 USD") == 1  # said once, on the receipt it belongs to
    assert "Sent 12.50 USD" not in client.get("/dashboard").get_data(as_text=True)  # and not again later


def test_double_submit_with_the_same_token_moves_money_once(client, db, customer, payee, banking):
    _, funded, _ = customer
    data = banking.confirm_data(funded.number, payee.number, "10.00")
    first, second = banking.confirm(data), banking.confirm(data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert balance(db, funded.number) == 9_000


def test_token_reused_for_different_details_is_refused_with_a_fresh_token(client, db, customer, payee, banking):
    _, funded, _ = customer
    data = banking.confirm_data(funded.number, payee.number, "10.00")
    assert banking.confirm(data).status_code == 303
    response = banking.confirm({**data, "amount": "20.00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "already sent a transfer" in page
    assert hidden_fields(page)["token"] != data["token"]
    assert balance(db, funded.number) == 9_000


def test_change_details_goes_back_to_the_filled_form(client, customer, payee, banking):
    _, funded, _ = customer
    data = banking.confirm_data(funded.number, payee.number, "10.00", "gift")
    response = client.post("/transfer", data={**data, "edit": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Review transfer" in page
    assert 'value="10.00"' in page and 'value="gift"' in page and hidden_fields(page)["token"] == data["token"]


@pytest.mark.parametrize("token", ["", "x" * 65])
def test_confirm_needs_a_plausible_idempotency_token(client, db, customer, payee, banking, token):
    data = banking.confirm_data(customer[1].number, payee.number, "10.00")
    response = banking.confirm({**data, "token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "This form had expired" in page and 'value="10.00"' in page
    assert len(hidden_fields(page)["token"]) == 32  # a fresh token to send with
    assert balance(db, customer[1].number) == 10_000


def test_confirm_without_csrf_token_is_refused_and_moves_nothing(client, db, customer, payee, banking):
    _, funded, _ = customer
    data = banking.confirm_data(funded.number, payee.number, "10.00")
    del data["csrf_token"]
    response = banking.confirm(data)
    assert response.status_code == 400 and "did not come from this site" in response.get_data(as_text=True)
    assert balance(db, funded.number) == 10_000


def _bad_digit(number: str) -> str:
    return number[:9] + str((int(number[9]) + 1) % 10)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "", "Type an amount."),
        ("amount", "abc", "positive number"),
        ("amount", "1.234", "positive number"),
        ("amount", "-5", "positive number"),
        ("amount", "0", "greater than zero"),
        ("amount", "1,00.00", "commas only between groups of three digits"),
        ("amount", "10,0000", "commas only between groups of three digits"),
        ("from", "", "Choose the account to pay from."),
        ("to", "", "Type the number"),
        ("to", "bad-digit", "not a valid account number"),
        ("memo", "x" * 141, "at most 140 characters"),
    ],
)
def test_review_refuses_bad_input_next_to_the_field(client, customer, payee, banking, field, value, message):
    _, funded, _ = customer
    fields = {"from": funded.number, "to": payee.number, "amount": "5.00", "memo": "kept memo"}
    fields[field] = _bad_digit(payee.number) if value == "bad-digit" else value
    response = banking.review(fields["from"], fields["to"], fields["amount"], fields["memo"])
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Review transfer" in page
    assert f'id="{field}-error"' in page and message in page
    if field != "memo":
        assert 'value="kept memo"' in page  # the customer's input is kept


def test_source_must_be_one_of_the_customers_accounts(client, customer, payee, banking):
    response = banking.review(payee.number, customer[1].number, "5.00")
    assert response.status_code == 422 and 'id="from-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("insufficient", "amount", "Not enough money: 100.00 USD available."),
        ("per_transfer_limit", "amount", "at most 10000.00 USD"),
        ("daily_limit", "amount", "This exceeds your 24-hour limit; you can still send 10.00 USD."),
        ("unknown", "to", "no account with that number"),
        ("same", "to", "must differ"),
        ("closed", "to", "destination account is closed"),
        ("closed_source", "from", "Choose one of your open accounts to pay from."),
        ("currency", "to", "same currency"),
        ("control_memo", "memo", "control characters"),
    ],
)
def test_check_and_confirm_refuses_before_anything_moves_with_the_message_confirm_gives(
    client, db, customer, payee, make_account, banking, case, field, message
):
    user, funded, empty = customer

    def closed_account():
        accounts.close_account(db, number=empty.number, owner_id=user.id)
        return empty.number

    def daily_limit():
        client.application.config["DAILY_TRANSFER_MAX"] = 5_000  # 40.00 sent today leaves 10.00
        assert banking.send(funded.number, payee.number, "40.00").status_code == 303
        return payee.number, "20.00", ""

    destination, amount, memo = {
        "insufficient": lambda: (payee.number, "100.01", ""),
        "per_transfer_limit": lambda: (payee.number, "10000.01", ""),
        "daily_limit": daily_limit,
        "unknown": lambda: (unused_number(), "5.00", ""),
        "same": lambda: (funded.number, "5.00", ""),
        "closed": lambda: (closed_account(), "5.00", ""),
        "closed_source": lambda: (payee.number, "5.00", ""),
        "currency": lambda: (make_account(balance=0, currency="EUR").number, "5.00", ""),
        "control_memo": lambda: (payee.number, "5.00", "tab\there"),
    }[case]()
    source = closed_account() if case == "closed_source" else funded.number  # a page from before it closed
    before = balance(db, funded.number)
    checked = banking.review(source, destination, amount, memo)
    confirmed = banking.confirm(
        {"from": source, "to": destination, "amount": amount, "memo": memo, **banking.form_tokens()}
    )  # a form sent straight to Confirm (a stale page) meets the same rule
    for response in (checked, confirmed):
        page = response.get_data(as_text=True)
        assert response.status_code == 422, page
        assert f'id="{field}-error"' in page and message in page
        assert f'value="{amount}"' in page and "Confirm and send" not in page  # the input is kept
    assert balance(db, funded.number) == before


def test_a_refusal_at_confirm_after_the_balance_changed_still_reads_clearly(client, db, customer, payee, banking):
    _, funded, empty = customer
    data = banking.confirm_data(funded.number, payee.number, "80.00")  # the check passes: 100.00 held
    assert banking.send(funded.number, empty.number, "50.00").status_code == 303  # meanwhile, elsewhere
    response = banking.confirm(data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Not enough money: 50.00 USD available." in page
    assert balance(db, funded.number) == 5_000 and balance(db, payee.number) == 500


def test_receipt_is_for_the_parties_only(client, auth, db, customer, payee, make_user, banking):
    _, funded, _ = customer
    location = banking.send(funded.number, payee.number, "1.00").headers["Location"]
    transfer_id = int(location.rsplit("/", 1)[1])
    auth.logout()
    make_user(email="eve@example.com")
    auth.login("eve@example.com")
    foreign, missing = client.get(location), client.get(f"/transfers/{transfer_id + 1000}")
    assert comparable(foreign) == comparable(missing) and foreign.status_code == 404
    auth.logout()
    auth.login("dan@example.com")
    received = client.get(location).get_data(as_text=True)
    assert "Money received" in received and "6.00 USD" in received and "99.00" not in received


def test_visitors_are_sent_to_the_login_page(client):
    for path in ("/transfer", "/transfers/1"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"] == "/"


def test_transfers_are_rate_limited_per_user(database_url, tmp_path, monkeypatch, make_user, make_account):
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "limited"))
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "RATELIMIT_TRANSFER": "2 per minute"})
    client = app.test_client()
    user = make_user(email="fay@example.com")
    source, destination = make_account(owner=user, balance=1_000), make_account(balance=0)
    Auth(client).login("fay@example.com")
    banking = Banking(client)
    responses = [banking.send(source.number, destination.number, "1.00") for _ in range(3)]
    assert [r.status_code for r in responses] == [303, 303, 429]
    assert "Too many requests" in responses[2].get_data(as_text=True) and responses[2].headers["Retry-After"]
    assert "Traceback" not in responses[2].get_data(as_text=True)


def test_a_deposit_receipt_names_cash_not_the_banks_account(client, customer):
    page = client.get("/transfers/1").get_data(as_text=True)
    assert "Money received" in page and "Cash deposit" in page and "100.00 USD" in page


def test_a_receipt_id_beyond_any_transfer_is_a_404(client, customer):
    assert client.get("/transfers/99999999999999999999").status_code == 404


def test_amounts_may_group_thousands_with_commas(client, db, customer, payee, make_account, banking):
    user = customer[0]
    rich = make_account(owner=user, balance=500_000, name="Rich")
    page = banking.review(rich.number, payee.number, "1,234.50").get_data(as_text=True)
    assert "Confirm and send" in page and "1,234.50 USD" in page
    assert banking.send(rich.number, payee.number, "1,234.50").status_code == 303
    assert balance(db, rich.number) == 500_000 - 123_450
