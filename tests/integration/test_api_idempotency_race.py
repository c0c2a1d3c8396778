"""Twenty simultaneous HTTP requests with one Idempotency-Key move the money exactly once, on each engine."""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from minibank.services.accounts import get_by_number

from ..support.api import live_server
from ..support.ledger import assert_ledger_clean

pytestmark = pytest.mark.slow
CALLERS = 20


def post(url: str, body: dict, headers: dict) -> tuple[int, str | None, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers.get("Idempotent-Replayed"), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, None, json.loads(error.read())


def test_twenty_concurrent_retries_move_money_once(app, db, auth, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=100_000), make_account()
    headers = {**auth.bearer(alice.email), "Idempotency-Key": "pay-invoice-42"}
    body = {"from_account": source.number, "to_account": destination.number, "amount": "250.00", "memo": "invoice 42"}
    barrier = threading.Barrier(CALLERS)
    with live_server(app) as base:

        def one(_):
            barrier.wait()
            return post(f"{base}/api/v1/transfers", body, headers)

        with ThreadPoolExecutor(CALLERS) as pool:
            answers = list(pool.map(one, range(CALLERS)))
    assert {status for status, _, _ in answers} == {201}, answers
    assert sorted(replayed or "first" for _, replayed, _ in answers) == ["first"] + ["true"] * (CALLERS - 1)
    assert len({json.dumps(answer, sort_keys=True) for _, _, answer in answers}) == 1
    assert get_by_number(db, number=source.number, owner_id=None).balance == 75_000
    assert get_by_number(db, number=destination.number, owner_id=None).balance == 25_000
    assert_ledger_clean(db)
