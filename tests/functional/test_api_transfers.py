"""API transfers: money moves once, refusals carry the domain's codes, idempotency keys replay."""

from minibank.services import accounts

from ..support.ledger import assert_ledger_clean, snapshot

API = "/api/v1"


def transfer(client, caller, to, amount="1.00", memo="", key=None):
    """POST /transfers from the caller's account."""
    headers = {**caller.headers, **({"Idempotency-Key": key} if key is not None else {})}
    body = {"from_account": caller.account, "to_account": to, "amount": amount, "memo": memo}
    return client.post(f"{API}/transfers", json=body, headers=headers)


def balance(client, caller) -> str:
    return client.get(f"{API}/accounts/{caller.account}", headers=caller.headers).get_json()["balance"]


def test_a_transfer_moves_money_and_both_parties_can_read_it(client, db, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    response = transfer(client, alice, f"{bob.account[:5]}-{bob.account[5:]}", "12.34", memo=" rent ")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    body = response.get_json()
    assert body == {
        "id": body["id"],
        "kind": "transfer",
        "from_account": alice.account,
        "to_account": bob.account,
        "amount": "12.34",
        "currency": "USD",
        "memo": "rent",
        "created_at": body["created_at"],
    }
    assert balance(client, alice) == "87.66" and balance(client, bob) == "12.34"
    for caller in (alice, bob):
        assert client.get(f"{API}/transfers/{body['id']}", headers=caller.headers).get_json() == body
    assert_ledger_clean(db)


def test_refusals_answer_with_the_domain_codes_and_move_nothing(client, db, bank):
    alice, bob = bank.customer(balance=2_000_000), bank.customer()
    euro = bank.customer(currency="EUR", balance=0)
    closed = accounts.open_account(db, owner_id=bob.user.id, name="Old", currency="USD")
    accounts.close_account(db, number=closed.number, owner_id=bob.user.id)
    cases = [
        ({"amount": "0"}, 422, "invalid_amount"),
        ({"from_account": bob.account}, 404, "not_found"),
        ({"to_account": alice.account}, 422, "same_account"),
        ({"to_account": "1000000064"}, 422, "unknown_destination"),
        ({"to_account": closed.number}, 422, "account_closed"),
        ({"to_account": euro.account}, 422, "currency_mismatch"),
        ({"amount": "10000.01"}, 422, "limit_exceeded"),
        ({"amount": "20000.01"}, 422, "limit_exceeded"),
    ]
    poor = bank.customer(balance=100)
    before = snapshot(db)
    for override, status, code in cases:
        body = {"from_account": alice.account, "to_account": bob.account, "amount": "1.00", **override}
        response = client.post(f"{API}/transfers", json=body, headers=alice.headers)
        assert (response.status_code, response.get_json()["code"]) == (status, code), override
        assert response.mimetype == "application/problem+json"
    response = transfer(client, poor, bob.account, "1.01")
    assert (response.status_code, response.get_json()["code"]) == (422, "insufficient_funds")
    assert snapshot(db) == before


BAD_AMOUNTS = [
    ("12.34", "validation_error"),
    ("1e400", "validation_error"),
    ("true", "validation_error"),
    ("null", "validation_error"),
    ('"9223372036854775808"', "invalid_amount"),
    ('"92233720368547758.08"', "invalid_amount"),
    ('"1.234"', "invalid_amount"),
    ('"-1"', "invalid_amount"),
    ('" 1"', "invalid_amount"),
    ('"1e3"', "invalid_amount"),
    ('"NaN"', "invalid_amount"),
    ('"Infinity"', "invalid_amount"),
    ('""', "invalid_amount"),
    ('"\uff11"', "invalid_amount"),
]


def test_amounts_are_decimal_text_only(client, db, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    before = snapshot(db)
    for raw, code in BAD_AMOUNTS:
        body = f'{{"from_account": "{alice.account}", "to_account": "{bob.account}", "amount": {raw}}}'
        response = client.post(f"{API}/transfers", data=body, content_type="application/json", headers=alice.headers)
        assert (response.status_code, response.get_json()["code"]) == (422, code), raw
    # Not JSON at all (RFC 8259 has no NaN or Infinity): malformed, like any other broken body.
    for raw in ("NaN", "Infinity", "-Infinity"):
        body = f'{{"from_account": "{alice.account}", "to_account": "{bob.account}", "amount": {raw}}}'
        response = client.post(f"{API}/transfers", data=body, content_type="application/json", headers=alice.headers)
        assert (response.status_code, response.get_json()["code"]) == (400, "malformed_json"), raw
    assert snapshot(db) == before


def test_same_key_same_body_replays_the_first_answer(client, db, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    first = transfer(client, alice, bob.account, "5.00", memo="once", key="order-17")
    again = transfer(client, alice, bob.account, "5.00", memo="once", key="order-17")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert again.get_json() == first.get_json()
    assert balance(client, alice) == "95.00"
    assert_ledger_clean(db)


def test_same_key_different_body_is_a_conflict(client, db, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    assert transfer(client, alice, bob.account, "5.00", key="k").status_code == 201
    before = snapshot(db)
    for change in ({"amount": "6.00"}, {"memo": "other"}):
        body = {"from_account": alice.account, "to_account": bob.account, "amount": "5.00", "memo": "", **change}
        response = client.post(f"{API}/transfers", json=body, headers={**alice.headers, "Idempotency-Key": "k"})
        assert response.status_code == 409 and response.get_json()["code"] == "idempotency_key_reused"
    assert snapshot(db) == before


def test_keys_belong_to_the_user_who_sent_them(client, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer(balance=10_000)
    mine = transfer(client, alice, bob.account, "1.00", key="shared")
    theirs = transfer(client, bob, alice.account, "1.00", key="shared")
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.get_json()["id"] != mine.get_json()["id"]


def test_a_refused_request_stores_no_key(client, bank):
    alice, bob = bank.customer(balance=100), bank.customer()
    assert transfer(client, alice, bob.account, "2.00", key="retry-me").status_code == 422
    assert transfer(client, alice, bob.account, "1.00", key="retry-me").status_code == 201


def test_keys_are_1_to_255_printable_ascii_characters(client, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    for key in ["", " ", "x" * 256, "caf\u00e9", "tab\there", "del\x7f"]:
        response = transfer(client, alice, bob.account, key=key)
        assert response.status_code == 422, key
        assert response.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert transfer(client, alice, bob.account, key="k" * 254 + "~").status_code == 201
    assert transfer(client, alice, bob.account, key="a b!").status_code == 201


def test_transfers_need_a_token(client):
    response = client.post(f"{API}/transfers", json={})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_a_revoked_token_moves_no_money(client, db, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    body = {"from_account": alice.account, "to_account": bob.account, "amount": "1.00"}
    assert client.post("/api/v1/transfers", json=body, headers=alice.headers).status_code == 201
    assert client.post("/api/v1/auth/revoke", headers=alice.headers).status_code == 204
    refused = client.post("/api/v1/transfers", json=body, headers=alice.headers)
    assert refused.status_code == 401 and refused.get_json()["code"] == "unauthenticated"
    assert client.post("/api/v1/transfers", json=body).status_code == 401  # no token at all
    headers = {"Authorization": "Bearer " + alice.headers["Authorization"].split()[1][:-3] + "abc"}
    assert client.post("/api/v1/transfers", json=body, headers=headers).status_code == 401  # tampered
