"""API accounts and history: open, list, read, page; another customer's account is a 404 like a missing one."""

from datetime import UTC, datetime, timedelta

import pytest

from ..support.api import without_request_id

API = "/api/v1"


def test_open_list_and_read_accounts(client, bank):
    carol = bank.customer(balance=12_345)
    opened = client.post(f"{API}/accounts", json={"name": "Savings"}, headers=carol.headers)
    assert opened.status_code == 201
    body = opened.get_json()
    assert set(body) == {"number", "name", "currency", "balance", "status", "opened_at"}
    assert body["name"] == "Savings" and body["balance"] == "0.00" and body["status"] == "open"
    listed = client.get(f"{API}/accounts", headers=carol.headers).get_json()
    assert [a["number"] for a in listed["items"]] == [carol.account, body["number"]]
    assert listed["next_cursor"] is None
    one = client.get(f"{API}/accounts/{carol.account}", headers=carol.headers).get_json()
    assert one["balance"] == "123.45" and one["currency"] == "USD"
    spaced = f"{carol.account[:4]} {carol.account[4:8]} {carol.account[8:]}"
    assert client.get(f"{API}/accounts/{spaced}", headers=carol.headers).get_json() == one


@pytest.mark.parametrize("body", [{"name": "  "}, {"name": "x" * 61}, {}, {"name": 5}])
def test_open_account_refuses_a_bad_name(client, bank, body):
    response = client.post(f"{API}/accounts", json=body, headers=bank.customer().headers)
    assert response.status_code == 422 and response.get_json()["code"] == "validation_error"


def _send(client, caller, to, amount, memo=""):
    body = {"from_account": caller.account, "to_account": to, "amount": amount, "memo": memo}
    response = client.post(f"{API}/transfers", json=body, headers=caller.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_history_pages_newest_first(client, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    sent = [_send(client, alice, bob.account, f"{n}.00", memo=f"n{n}") for n in (1, 2, 3)]
    url = f"{API}/accounts/{alice.account}/transactions"
    first = client.get(f"{url}?limit=2", headers=alice.headers).get_json()
    assert [i["memo"] for i in first["items"]] == ["n3", "n2"]
    assert first["items"][0] == {
        "id": first["items"][0]["id"],
        "transfer_id": sent[2]["id"],
        "kind": "transfer",
        "amount": "-3.00",
        "balance_after": "94.00",
        "counterparty": bob.account,
        "counterparty_name": None,  # a number paid without a saved payee: its holder's name is not shown
        "memo": "n3",
        "created_at": sent[2]["created_at"],
    }
    second = client.get(f"{url}?limit=2&cursor={first['next_cursor']}", headers=alice.headers).get_json()
    assert [(i["memo"], i["amount"]) for i in second["items"]] == [("n1", "-1.00"), ("test funding", "100.00")]
    assert second["next_cursor"] is None
    received = client.get(f"{API}/accounts/{bob.account}/transactions", headers=bob.headers).get_json()
    assert [i["amount"] for i in received["items"]] == ["3.00", "2.00", "1.00"]


def test_history_dates_are_utc_days_and_to_is_inclusive(client, bank):
    alice = bank.customer(balance=500)
    url = f"{API}/accounts/{alice.account}/transactions"
    today = datetime.now(UTC).date()

    def count(query):
        response = client.get(f"{url}?{query}", headers=alice.headers)
        assert response.status_code == 200, response.get_json()
        return len(response.get_json()["items"])

    assert count(f"from={today}&to={today}") == 1
    assert count(f"to={today - timedelta(days=1)}") == 0
    assert count(f"from={today + timedelta(days=1)}") == 0
    assert count("from=0001-01-01&to=9999-12-31") == 1
    assert count(f"from={today}&to={today - timedelta(days=1)}") == 0  # an empty range, not an error


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=abc",
        "limit=1.5",
        "limit=1&limit=2",
        "cursor=garbage",
        "cursor=ZTA",
        "from=2026-02-30",
        "from=26-01-01",
        "sort=asc",
    ],
)
def test_history_refuses_bad_paging(client, bank, query):
    alice = bank.customer(balance=500)
    response = client.get(f"{API}/accounts/{alice.account}/transactions?{query}", headers=alice.headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json" and response.get_json()["errors"]
    if query.startswith("cursor"):
        assert response.get_json()["code"] == "invalid_cursor"


def test_another_customers_account_is_indistinguishable_from_a_missing_one(client, bank):
    alice, eve = bank.customer(balance=1_000), bank.customer()
    transfer = _send(client, alice, eve.account, "1.00")
    missing_number = "1000000064"  # valid check digits, never issued in this test
    for path, missing in [
        (f"/accounts/{alice.account}", f"/accounts/{missing_number}"),
        (f"/accounts/{alice.account}/transactions", f"/accounts/{missing_number}/transactions"),
    ]:
        theirs = client.get(API + path, headers=eve.headers)
        absent = client.get(API + missing, headers=eve.headers)
        assert theirs.status_code == 404
        assert without_request_id(theirs) == without_request_id(absent)
    stranger = bank.customer()
    theirs = client.get(f"{API}/transfers/{transfer['id']}", headers=stranger.headers)
    absent = client.get(f"{API}/transfers/{transfer['id'] + 1000}", headers=stranger.headers)
    assert theirs.status_code == 404 and without_request_id(theirs) == without_request_id(absent)


def test_accounts_need_a_token(client):
    for method, path in [("GET", "/accounts"), ("POST", "/accounts"), ("GET", "/accounts/1000000064")]:
        response = client.open(API + path, method=method, json={"name": "x"})
        assert response.status_code == 401 and response.get_json()["code"] == "unauthenticated"
