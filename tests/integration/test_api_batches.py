"""POST /api/v1/transfer-batches on each engine: all or none, each on its own, per-item results in order,
one key per batch, the same limits and ownership as single transfers, and GET of a batch."""

import pytest

from minibank.services.accounts import get_by_number

from ..support.api import Bank
from ..support.ledger import assert_ledger_clean, snapshot

URL = "/api/v1/transfer-batches"


@pytest.fixture
def bank(auth, make_user, make_account):
    return Bank(auth, make_user, make_account)


def _send(client, caller, transfers, *, mode="atomic", key="batch-1"):
    headers = {**caller.headers, **({"Idempotency-Key": key} if key else {})}
    return client.post(URL, json={"mode": mode, "transfers": transfers}, headers=headers)


def _item(source, destination, amount="1.00", memo=""):
    return {"from_account": source, "to_account": destination, "amount": amount, "memo": memo}


def _balance(db, number) -> int:
    return get_by_number(db, number=number, owner_id=None).balance


def test_an_atomic_batch_moves_every_transfer_and_answers_each_in_order(client, db, bank):
    alice, bob, carol = bank.customer(balance=10_000), bank.customer(), bank.customer()
    response = _send(
        client, alice, [_item(alice.account, bob.account, "10.00", "rent"), _item(alice.account, carol.account, "5.50")]
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["mode"], body["status"], body["moved"], body["refused"]) == ("atomic", "applied", 2, 0)
    assert [item["index"] for item in body["items"]] == [0, 1]
    first, second = (item["transfer"] for item in body["items"])
    assert (first["to_account"], first["amount"], first["memo"]) == (bob.account, "10.00", "rent")
    assert (second["to_account"], second["amount"]) == (carol.account, "5.50")
    assert (_balance(db, alice.account), _balance(db, bob.account), _balance(db, carol.account)) == (8_450, 1_000, 550)
    # Each transfer is an ordinary transfer, and the batch can be read back.
    assert client.get(f"/api/v1/transfers/{first['id']}", headers=alice.headers).get_json() == first
    assert client.get(f"{URL}/{body['id']}", headers=alice.headers).get_json() == body
    assert_ledger_clean(db)


def test_an_atomic_batch_with_one_refused_item_moves_nothing(client, db, bank):
    alice, bob = bank.customer(balance=1_000), bank.customer()
    before = snapshot(db)
    response = _send(
        client, alice, [_item(alice.account, bob.account, "6.00"), _item(alice.account, bob.account, "6.00")]
    )
    assert response.status_code == 422
    problem = response.get_json()
    assert response.mimetype == "application/problem+json"
    assert problem["code"] == "batch_refused"
    assert [item["status"] for item in problem["items"]] == ["refused", "refused"]
    assert [item["problem"]["code"] for item in problem["items"]] == ["batch_not_applied", "insufficient_funds"]
    assert problem["items"][1]["problem"]["status"] == 422
    after = snapshot(db)
    assert (after["balances"], after["transfers"], after["entries"]) == (
        before["balances"],
        before["transfers"],
        before["entries"],
    )
    # Nothing was kept: once the money is there, the same key sends it.
    carol = bank.customer(balance=500)
    assert (
        client.post(
            "/api/v1/transfers", json=_item(carol.account, alice.account, "5.00"), headers=carol.headers
        ).status_code
        == 201
    )
    again = _send(client, alice, [_item(alice.account, bob.account, "6.00"), _item(alice.account, bob.account, "6.00")])
    assert again.status_code == 201, again.get_json()
    assert "Idempotent-Replayed" not in again.headers
    assert _balance(db, bob.account) == 1_200


def test_an_independent_batch_moves_what_may_move_and_says_why_the_rest_did_not(client, db, bank):
    alice, bob = bank.customer(balance=1_000), bank.customer()
    response = _send(
        client,
        alice,
        [
            _item(alice.account, bob.account, "6.00"),
            _item(alice.account, bob.account, "6.00"),  # only 4.00 left
            _item(bob.account, alice.account, "1.00"),  # not hers
            _item(alice.account, "1234567889", "1.00"),  # no such account
            _item(alice.account, bob.account, "0.00"),  # not an amount
            _item(alice.account, bob.account, "4.00"),
        ],
        mode="independent",
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["moved"], body["refused"]) == ("partial", 2, 4)
    assert [item["status"] for item in body["items"]] == ["moved", "refused", "refused", "refused", "refused", "moved"]
    assert [item["problem"]["code"] for item in body["items"] if item["problem"]] == [
        "insufficient_funds",
        "not_found",
        "unknown_destination",
        "invalid_amount",
    ]
    assert (_balance(db, alice.account), _balance(db, bob.account)) == (0, 1_000)
    assert_ledger_clean(db)


def test_a_retry_with_the_key_replays_the_batch_and_another_body_is_409(client, db, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    transfers = [_item(alice.account, bob.account, "10.00")] * 3
    first = _send(client, alice, transfers, key="payroll-2026-12")
    again = _send(client, alice, transfers, key="payroll-2026-12")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert _balance(db, bob.account) == 3_000
    other = _send(client, alice, transfers[:2], key="payroll-2026-12")
    assert (other.status_code, other.get_json()["code"]) == (409, "idempotency_key_reused")
    assert _balance(db, bob.account) == 3_000


def test_a_batch_needs_a_key_and_well_formed_items(client, db, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    before = snapshot(db)
    missing = _send(client, alice, [_item(alice.account, bob.account)], key=None)
    assert (missing.status_code, missing.get_json()["errors"][0]["field"]) == (422, "Idempotency-Key")
    wrong_type = _send(client, alice, [{**_item(alice.account, bob.account), "amount": 1}])
    assert (wrong_type.status_code, wrong_type.get_json()["errors"][0]["field"]) == (422, "transfers.0.amount")
    empty = _send(client, alice, [])
    assert empty.status_code == 422
    too_many = _send(client, alice, [_item(alice.account, bob.account)] * 1001)
    assert too_many.status_code == 422
    mode = _send(client, alice, [_item(alice.account, bob.account)], mode="some")
    assert mode.status_code == 422
    nul = _send(client, alice, [_item(alice.account, bob.account, memo="a\x00b")])
    assert (nul.status_code, nul.get_json()["errors"][0]["field"]) == (422, "transfers.0.memo")
    assert snapshot(db) == before


def test_a_thousand_transfers_fit_in_one_batch(client, db, bank):
    alice, bob = bank.customer(balance=100_000), bank.customer()
    response = _send(client, alice, [_item(alice.account, bob.account, "0.01")] * 1000)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["moved"] == 1000
    assert _balance(db, bob.account) == 1000
    assert_ledger_clean(db)


def test_the_daily_limit_counts_every_item_of_the_batch(app, client, db, bank):
    app.config["DAILY_TRANSFER_MAX"] = 2_500
    alice, bob = bank.customer(balance=10_000), bank.customer()
    response = _send(client, alice, [_item(alice.account, bob.account, "10.00")] * 3, mode="independent")
    assert [item["status"] for item in response.get_json()["items"]] == ["moved", "moved", "refused"]
    assert response.get_json()["items"][2]["problem"]["code"] == "limit_exceeded"


def test_a_batch_is_its_owners_alone(client, db, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    body = _send(client, alice, [_item(alice.account, bob.account)]).get_json()
    assert client.get(f"{URL}/{body['id']}", headers=bob.headers).status_code == 404
    assert client.get(f"{URL}/{body['id'] + 1}", headers=alice.headers).status_code == 404
    # Keys are per customer: bob's first batch under the same key is his own.
    assert _send(client, bob, [_item(bob.account, alice.account, "0.01")]).status_code == 201
