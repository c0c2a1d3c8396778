"""History people can use: names instead of bare numbers, and search and filters on the web and the API."""

import csv
import re
from datetime import timedelta

import pytest

from minibank.models import utcnow
from minibank.services import history, payees, transfers
from minibank.services.history import HistoryFilter

API = "/api/v1"


@pytest.fixture
def people(db, make_user, make_account, auth):
    """Dana (logged in on the web) with Checking and Savings, her payee Eve's Flowers, and Frank who pays her."""
    dana, eve, frank = make_user(name="Dana Doe"), make_user(name="Eve Evans"), make_user(name="Frank Fisher")
    checking = make_account(owner=dana, balance=100_000, name="Checking")
    savings = make_account(owner=dana, name="Savings")
    shop = make_account(owner=eve, name="Business")
    stranger = make_account(owner=eve, name="Private")
    franks = make_account(owner=frank, balance=50_000)
    payees.add(db, owner_id=dana.id, name="Eve's Flowers", number=shop.number, confirmed=True)

    def send(actor, source, destination, amount, memo):
        return transfers.transfer(
            db, actor_id=actor.id, source=source.number, destination=destination.number, amount=amount, memo=memo
        ).transfer

    moves = {
        "own": send(dana, checking, savings, 20_000, "rainy day"),
        "payee": send(dana, checking, shop, 4_550, "tulips"),
        "stranger": send(dana, checking, stranger, 1_000, "gift"),
        "in": send(frank, franks, checking, 12_345, "rent share"),
    }
    transfers.withdraw(db, account=checking.number, amount=2_000, memo="")
    auth.login(dana.email)
    return dana, checking, savings, shop, stranger, moves


def _names(db, number, owner_id, **where):
    listing = history.page(db, number=number, owner_id=owner_id, where=HistoryFilter(**where))
    return [(item.counterparty_name, item.amount) for item in listing.items]


def test_history_names_own_accounts_payees_senders_and_cash(db, people):
    dana, checking, savings, *_ = people
    assert _names(db, checking.number, dana.id) == [
        ("Cash withdrawal", -2_000),
        ("Frank Fisher", 12_345),  # money in: the sender's name as the bank holds it
        (None, -1_000),  # paid by number alone: the holder's name is never shown for it
        ("Eve's Flowers", -4_550),  # the payee's saved name
        ("Savings", -20_000),  # her own account, by its name
        ("Cash deposit", 100_000),
    ]
    assert _names(db, savings.number, dana.id) == [("Checking", 20_000)]


def test_the_account_page_and_the_receipt_show_the_names(client, people):
    _dana, checking, _savings, _shop, stranger, moves = people
    page = client.get(f"/accounts/{checking.number}").get_data(as_text=True)
    for shown in ("Frank Fisher", "Eve&#39;s Flowers", "Savings", "Cash withdrawal", "Cash deposit", "Today"):
        assert shown in page
    assert "Eve Evans" not in page and stranger.number[:4] in page
    assert f'href="/transfers/{moves["in"].id}"' in page  # each movement opens its transfer
    received = client.get(f"/transfers/{moves['in'].id}").get_data(as_text=True)
    assert "Frank Fisher" in received and "Checking" in received
    paid = client.get(f"/transfers/{moves['payee'].id}").get_data(as_text=True)
    assert "Eve&#39;s Flowers" in paid and "Eve Evans" not in paid
    assert "Eve Evans" not in client.get(f"/transfers/{moves['stranger'].id}").get_data(as_text=True)


def test_a_move_between_own_accounts_shows_once_on_the_dashboard(client, people):
    page = client.get("/dashboard").get_data(as_text=True)
    assert page.count("rainy day") == 1 and "To your Savings" in page


def test_the_dashboard_names_payees_senders_and_cash_but_not_a_bare_numbers_holder(client, people):
    *_, stranger, _moves = people
    page = client.get("/dashboard").get_data(as_text=True)
    for shown in ("Frank Fisher", "Eve&#39;s Flowers", "Cash withdrawal"):
        assert shown in page
    assert "Eve Evans" not in page and stranger.number[:4] in page


def test_a_statement_names_own_accounts_payees_and_senders_but_not_a_bare_numbers_holder(client, people):
    _dana, checking, savings, shop, stranger, _moves = people
    rows = list(
        csv.reader(client.get(f"/accounts/{checking.number}/statement.csv").get_data(as_text=True).splitlines())
    )
    assert [(row[2], row[3], row[5]) for row in rows[1:]] == [
        ("cash", "Cash deposit", "1000.00"),
        (savings.number, "Savings", "-200.00"),
        (shop.number, "Eve's Flowers", "-45.50"),
        (stranger.number, "", "-10.00"),  # paid by number alone: no name
        (rows[5][2], "Frank Fisher", "123.45"),
        ("cash", "Cash withdrawal", "-20.00"),
    ]


def test_search_by_text_matches_memo_names_and_numbers(db, people):
    dana, checking, _, _shop, stranger, _ = people
    assert _names(db, checking.number, dana.id, text="TULIP") == [("Eve's Flowers", -4_550)]
    assert _names(db, checking.number, dana.id, text="flowers") == [("Eve's Flowers", -4_550)]
    assert _names(db, checking.number, dana.id, text="fisher") == [("Frank Fisher", 12_345)]
    assert _names(db, checking.number, dana.id, text="savings") == [("Savings", -20_000)]
    assert _names(db, checking.number, dana.id, text="cash dep") == [("Cash deposit", 100_000)]
    spaced = f"{stranger.number[:4]} {stranger.number[4:8]}"
    assert _names(db, checking.number, dana.id, text=spaced) == [(None, -1_000)]
    # The holder of a number paid without a payee is not findable by name either.
    assert _names(db, checking.number, dana.id, text="evans") == []
    assert _names(db, checking.number, dana.id, text="100%") == []  # wildcards are text
    assert _names(db, checking.number, dana.id, text="_") == []


def test_filters_by_direction_amount_and_days(db, people):
    dana, checking, *_ = people
    ins = _names(db, checking.number, dana.id, direction="in")
    assert ins == [("Frank Fisher", 12_345), ("Cash deposit", 100_000)]
    assert [a for _, a in _names(db, checking.number, dana.id, direction="out", min_amount=2_000)] == [
        -2_000,
        -4_550,
        -20_000,
    ]
    between = _names(db, checking.number, dana.id, min_amount=1_000, max_amount=4_550)
    assert [a for _, a in between] == [-2_000, -1_000, -4_550]
    later = utcnow() + timedelta(minutes=1)
    assert _names(db, checking.number, dana.id, since=later) == []
    assert len(_names(db, checking.number, dana.id, until=later)) == 6


def test_web_filters_narrow_the_page_and_keep_in_the_pager(client, db, people):
    dana, checking, savings, *_ = people
    for n in range(25):
        transfers.transfer(
            db, actor_id=dana.id, source=checking.number, destination=savings.number, amount=100 + n, memo=f"jar {n}"
        )
    page = client.get(f"/accounts/{checking.number}?q=jar&direction=out").get_data(as_text=True)
    assert page.count("jar ") == 20 and "tulips" not in page
    older = re.search(r'href="([^"]*cursor=[^"]*)" rel="next"', page).group(1).replace("&amp;", "&")
    assert "q=jar" in older and "direction=out" in older
    # Money moving between the pages does not shift them: the new movement is above the cursor.
    transfers.transfer(
        db, actor_id=dana.id, source=checking.number, destination=savings.number, amount=1, memo="jar new"
    )
    rest = client.get(older).get_data(as_text=True)
    assert rest.count("jar ") == 5 and "jar 4" in rest and "jar 5" not in rest and "rainy day" not in rest
    assert "jar new" not in rest and "jar new" in client.get(f"/accounts/{checking.number}?q=jar").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("min_amount=abc", "amount"),
        ("min_amount=10&max_amount=5", "must not be below the smallest"),
        ("max_amount=1,00", "commas"),
        ("from=2025-13-01", "YYYY-MM-DD"),
        ("q=" + "x" * 101, "at most 100"),
        ("direction=sideways", "Not a valid choice"),
    ],
)
def test_bad_web_filters_say_what_is_wrong(client, people, query, message):
    response = client.get(f"/accounts/{people[1].number}?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page and "There is a problem" in page


def test_statement_download_takes_the_same_filters(client, people):
    rows = client.get(f"/accounts/{people[1].number}/statement.csv?direction=in").get_data(as_text=True).splitlines()
    assert len(rows) == 3 and "Frank Fisher" in rows[2] and "Cash deposit" in rows[1]


def test_api_history_takes_the_filters_with_keyset_pages(client, db, people, auth):
    dana, checking, savings, *_ = people
    headers = auth.bearer(dana.email)
    url = f"{API}/accounts/{checking.number}/transactions"
    found = client.get(f"{url}?q=flowers", headers=headers).get_json()["items"]
    assert [(i["counterparty_name"], i["amount"], i["memo"]) for i in found] == [("Eve's Flowers", "-45.50", "tulips")]
    ins = client.get(f"{url}?direction=in&min_amount=123.45&max_amount=123.45", headers=headers).get_json()
    assert [i["amount"] for i in ins["items"]] == ["123.45"]
    first = client.get(f"{url}?direction=out&limit=2", headers=headers).get_json()
    # Money moving between pages does not shift them: new movements are above the cursor.
    transfers.transfer(db, actor_id=dana.id, source=checking.number, destination=savings.number, amount=1, memo="x")
    second = client.get(f"{url}?direction=out&limit=2&cursor={first['next_cursor']}", headers=headers).get_json()
    amounts = [i["amount"] for p in (first, second) for i in p["items"]]
    assert amounts == ["-20.00", "-10.00", "-45.50", "-200.00"] and second["next_cursor"] is None
    empty = client.get(f"{url}?min_amount=5&max_amount=1", headers=headers)  # an empty range, as from after to
    assert empty.status_code == 200 and empty.get_json()["items"] == []
    bad = client.get(f"{url}?min_amount=5.001", headers=headers)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert client.get(f"{url}?direction=up", headers=headers).status_code == 422
    assert client.get(f"{url}?min_amount=-1", headers=headers).status_code == 422
    nothing = client.get(f"{url}?max_amount=000.00", headers=headers)  # zero is a bound: no movement is that small
    assert nothing.status_code == 200 and nothing.get_json()["items"] == []
