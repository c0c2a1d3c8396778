"""The back office's API: find customers, read one, freeze, unfreeze and close accounts, end sessions."""

from ..support.ledger import snapshot

API = "/api/v1"


def test_find_customers_in_pages_and_read_one(client, bank, make_user, make_account):
    teller = bank.teller()
    users = [make_user(name=f"Page Person {n}", email=f"page{n}@example.com") for n in range(3)]
    account = make_account(owner=users[0], balance=500)
    first = client.get(f"{API}/admin/customers?q=PAGE%20person&limit=2", headers=teller.headers).get_json()
    assert [u["name"] for u in first["items"]] == ["Page Person 0", "Page Person 1"] and first["next_cursor"]
    rest = client.get(
        f"{API}/admin/customers?q=page person&limit=2&cursor={first['next_cursor']}", headers=teller.headers
    ).get_json()
    assert [u["name"] for u in rest["items"]] == ["Page Person 2"] and rest["next_cursor"] is None
    by_number = client.get(f"{API}/admin/customers?q={account.number[4:]}", headers=teller.headers).get_json()
    assert [u["id"] for u in by_number["items"]] == [users[0].id]
    assert client.get(f"{API}/admin/customers?q=ab&cursor=nope", headers=teller.headers).status_code == 422
    for query in ("", "?q=", "?q=" + "x" * 101, "?q=%20", "?q=a&limit=0"):
        refused = client.get(f"{API}/admin/customers{query}", headers=teller.headers)
        assert (refused.status_code, refused.mimetype) == (422, "application/problem+json"), query
    one = client.get(f"{API}/admin/customers/{users[0].id}", headers=teller.headers).get_json()
    assert one["status"] == "active" and one["role"] == "customer"
    assert one["accounts"] == [
        {
            "number": account.number,
            "name": "Checking",
            "currency": "USD",
            "balance": "5.00",
            "status": "open",
            "opened_at": one["accounts"][0]["opened_at"],
        }
    ]
    assert client.get(f"{API}/admin/customers/{teller.user.id}", headers=teller.headers).status_code == 404


def test_freeze_unfreeze_and_close(client, db, bank):
    supervisor, carol, dan, erin = (
        bank.supervisor(),
        bank.customer(balance=1_000),
        bank.customer(),
        bank.customer(balance=1),
    )

    def post(number, action):
        return client.post(f"{API}/admin/accounts/{number}/{action}", headers=supervisor.headers)

    frozen = post(carol.account, "freeze")
    assert frozen.status_code == 200 and frozen.get_json()["status"] == "frozen"
    assert frozen.get_json()["owner_id"] == carol.user.id
    again = post(carol.account, "freeze")
    assert (again.status_code, again.get_json()["code"]) == (409, "account_status")
    send = {"from_account": carol.account, "to_account": dan.account, "amount": "1.00"}
    refused = client.post(f"{API}/transfers", json=send, headers=carol.headers)
    assert (refused.status_code, refused.get_json()["code"]) == (422, "account_frozen")
    paid_in = {"from_account": erin.account, "to_account": carol.account, "amount": "0.01"}
    assert client.post(f"{API}/transfers", json=paid_in, headers=erin.headers).status_code == 201  # it receives
    assert post(carol.account, "unfreeze").get_json()["status"] == "open"
    assert post(carol.account, "unfreeze").status_code == 409
    before = snapshot(db)
    not_empty = post(carol.account, "close")
    assert (not_empty.status_code, not_empty.get_json()["code"]) == (409, "account_not_empty")
    assert snapshot(db) == before
    assert client.get(f"{API}/accounts/{carol.account}", headers=carol.headers).get_json()["balance"] == "10.01"
    assert post(dan.account, "close").get_json()["status"] == "closed"
    assert post("1000000064", "freeze").status_code == 404
    assert post("not-a-number", "freeze").status_code == 404


def test_end_a_customers_sessions(client, auth, bank):
    supervisor, carol = bank.supervisor(), bank.customer()
    ended = client.post(f"{API}/admin/users/{carol.user.id}/end-sessions", headers=supervisor.headers)
    assert ended.status_code == 200 and ended.get_json()["status"] == "active"
    assert client.get(f"{API}/me", headers=carol.headers).status_code == 401
    assert client.get(f"{API}/me", headers=auth.bearer(carol.user.email)).status_code == 200  # may log in again
    own = client.post(f"{API}/admin/users/{supervisor.user.id}/end-sessions", headers=supervisor.headers)
    assert own.status_code == 403
