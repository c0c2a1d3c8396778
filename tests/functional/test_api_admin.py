"""API for tellers: cash in and out (idempotent per teller), the audit trail, disabling users."""

from ..support.factories import PASSWORD
from ..support.ledger import assert_ledger_clean, snapshot

API = "/api/v1"


def cash(client, teller, kind, account, amount="10.00", key=None, memo=""):
    headers = {**teller.headers, **({"Idempotency-Key": key} if key else {})}
    return client.post(
        f"{API}/admin/{kind}", json={"account": account, "amount": amount, "memo": memo}, headers=headers
    )


def test_deposit_and_withdrawal(client, db, bank):
    teller, carol = bank.teller(), bank.customer()
    paid_in = cash(client, teller, "deposits", carol.account, "50.00", memo="counter")
    assert paid_in.status_code == 201
    body = paid_in.get_json()
    assert body["kind"] == "deposit" and body["to_account"] == carol.account and body["amount"] == "50.00"
    paid_out = cash(client, teller, "withdrawals", carol.account, "20.00")
    assert (
        paid_out.status_code == 201
        and paid_out.get_json()["from_account"] == carol.account
        and paid_out.get_json()["to_account"] is None
    )
    account = client.get(f"{API}/accounts/{carol.account}", headers=carol.headers).get_json()
    assert account["balance"] == "30.00"
    refused = cash(client, teller, "withdrawals", carol.account, "30.01")
    assert (refused.status_code, refused.get_json()["code"]) == (422, "insufficient_funds")
    missing = cash(client, teller, "deposits", "1000000064")
    assert (missing.status_code, missing.get_json()["code"]) == (404, "not_found")
    assert_ledger_clean(db)


def test_cash_keys_replay_per_teller(client, db, bank):
    first_teller, second_teller, carol = bank.teller(), bank.teller(), bank.customer()
    first = cash(client, first_teller, "deposits", carol.account, key="slip-1")
    again = cash(client, first_teller, "deposits", carol.account, key="slip-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    other = cash(client, second_teller, "deposits", carol.account, key="slip-1")
    assert other.status_code == 201 and "Idempotent-Replayed" not in other.headers
    before = snapshot(db)
    reused = cash(client, first_teller, "withdrawals", carol.account, key="slip-1")
    assert (reused.status_code, reused.get_json()["code"]) == (409, "idempotency_key_reused")
    assert snapshot(db) == before


def test_admin_operations_refuse_customers_and_strangers(client, bank):
    carol = bank.customer(balance=100)
    for method, path in [
        ("POST", "/admin/deposits"),
        ("POST", "/admin/withdrawals"),
        ("GET", "/admin/audit"),
        ("POST", f"/admin/users/{carol.user.id}/disable"),
    ]:
        body = {"account": carol.account, "amount": "1.00"}
        forbidden = client.open(API + path, method=method, json=body, headers=carol.headers)
        assert (forbidden.status_code, forbidden.get_json()["code"]) == (403, "forbidden"), path
        anonymous = client.open(API + path, method=method, json=body)
        assert anonymous.status_code == 401, path


def test_audit_pages_newest_first(client, bank):
    teller, supervisor = bank.teller(), bank.supervisor()
    carol = bank.customer()
    for _ in range(3):
        cash(client, teller, "deposits", carol.account)
    first = client.get(f"{API}/admin/audit?limit=2", headers=supervisor.headers).get_json()
    assert [e["event"] for e in first["items"]] == ["deposit", "deposit"]
    assert first["items"][0]["id"] > first["items"][1]["id"]
    assert first["items"][0]["actor_id"] == teller.user.id and first["items"][0]["details"]["amount"] == 1000
    rest = client.get(
        f"{API}/admin/audit?limit=100&cursor={first['next_cursor']}", headers=supervisor.headers
    ).get_json()
    assert rest["items"][0]["id"] < first["items"][1]["id"] and rest["next_cursor"] is None
    for query in ("limit=0", "limit=101", "cursor=nope", "cursor=cjA"):
        response = client.get(f"{API}/admin/audit?{query}", headers=supervisor.headers)
        assert response.status_code == 422, query


def test_disable_and_enable_a_user(client, auth, bank):
    teller, carol = bank.supervisor(), bank.customer()
    disabled = client.post(f"{API}/admin/users/{carol.user.id}/disable", headers=teller.headers)
    assert disabled.status_code == 200 and disabled.get_json()["status"] == "disabled"
    assert client.get(f"{API}/me", headers=carol.headers).status_code == 401
    login = client.post(f"{API}/auth/token", json={"email": carol.user.email, "password": PASSWORD})
    assert login.status_code == 401
    enabled = client.post(f"{API}/admin/users/{carol.user.id}/enable", headers=teller.headers)
    assert enabled.status_code == 200 and enabled.get_json()["status"] == "active"
    assert client.get(f"{API}/me", headers=auth.bearer(carol.user.email)).status_code == 200
    for user_id in (10**6, 2**63 - 1, 2**63, 0, -1, "abc"):
        missing = client.post(f"{API}/admin/users/{user_id}/disable", headers=teller.headers)
        assert (missing.status_code, missing.mimetype) == (404, "application/problem+json"), user_id


def test_an_administrator_cannot_disable_their_own_account(client, bank):
    teller = bank.supervisor()
    refused = client.post(f"{API}/admin/users/{teller.user.id}/disable", headers=teller.headers)
    assert (refused.status_code, refused.mimetype) == (409, "application/problem+json")
    assert "another administrator" in refused.get_json()["detail"]
    assert client.get(f"{API}/me", headers=teller.headers).status_code == 200  # still in, tokens intact
