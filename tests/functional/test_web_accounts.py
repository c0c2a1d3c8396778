"""The account page: balance, history newest first, pagination, privacy, escaping."""

import re

import pytest

from minibank.services import transfers

from ..support.web import comparable, unused_number

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def moved(db, customer, make_account):
    """Three transfers out of the customer's funded account, the last with a hostile memo."""
    user, funded, _ = customer
    other = make_account(balance=0)
    for amount, memo in ((100, "first"), (200, "second"), (300, XSS)):
        transfers.transfer(
            db, actor_id=user.id, source=funded.number, destination=other.number, amount=amount, memo=memo
        )
    return funded, other


def test_account_page_shows_balance_and_history_newest_first(client, moved):
    funded, other = moved
    page = client.get(f"/accounts/{funded.number}").get_data(as_text=True)
    assert "94.00 USD" in page  # 100.00 - 1.00 - 2.00 - 3.00
    assert page.index("-3.00 USD") < page.index("-2.00 USD") < page.index("-1.00 USD") < page.index("+100.00 USD")
    assert "Debit" in page and "Credit" in page and "Cash deposit" in page
    assert other.number[:4] in page and "97.00 USD" in page  # counterparty and balance after


def test_memo_is_escaped(client, moved):
    page = client.get(f"/accounts/{moved[0].number}").get_data(as_text=True)
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert XSS not in client.get("/dashboard").get_data(as_text=True)


def test_details_address_shows_the_same_page(client, moved):
    number = moved[0].number
    spaced = f"{number[:4]} {number[4:8]} {number[8:]}"
    assert comparable(client.get(f"/details?account={spaced}")) == comparable(client.get(f"/accounts/{number}"))


def test_history_is_paginated_with_the_cursor(client, db, customer, make_account):
    user, funded, _ = customer
    other = make_account(balance=0)
    for n in range(1, 25):
        transfers.transfer(db, actor_id=user.id, source=funded.number, destination=other.number, amount=n, memo=f"m{n}")
    first = client.get(f"/accounts/{funded.number}").get_data(as_text=True)
    memos = re.findall(r"\bm(\d+)\b", first)
    assert memos[0] == "24" and len(memos) == 20 and "Newest" not in first
    older = re.search(r'href="([^"]*cursor=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert (
        re.findall(r"\bm(\d+)\b", second) == ["4", "3", "2", "1"]
        and "Newest" in second
        and "cursor=" not in second.split("Newest")[1]
    )


def test_a_bad_cursor_is_a_friendly_400(client, customer):
    response = client.get(f"/accounts/{customer[1].number}?cursor=forged")
    assert response.status_code == 400 and "cursor is not one the bank issued" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/{n}",
        "/details?account={n}",
        "/accounts/{n}/statement.csv",
        "/accounts/{n}/statement.csv?from=2030-01-02&to=2030-01-01",
    ],
)
def test_another_customers_account_looks_missing(client, make_account, customer, path):
    foreign = make_account(balance=5_000).number
    missing = unused_number()
    theirs, nobodys = client.get(path.format(n=foreign)), client.get(path.format(n=missing))
    assert theirs.status_code == 404 and comparable(theirs) == comparable(nobodys)
    assert "No such account" in theirs.get_data(as_text=True)


def test_visitors_are_sent_to_the_login_page(client, make_account):
    number = make_account(balance=100).number
    for path in (f"/accounts/{number}", f"/details?account={number}", f"/accounts/{number}/statement.csv"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"] == "/"
