"""Strict input at the API's edge: JSON only, size cap, no duplicate or unknown keys, declared query only."""

import http.client
import json

import pytest

from minibank import create_app
from minibank.extensions import db as app_db

from ..support.api import live_server

API = "/api/v1"


def post_raw(client, caller, data, content_type="application/json", path="/transfers"):
    return client.post(API + path, data=data, content_type=content_type, headers=caller.headers)


def problem(response) -> tuple[int, str, str]:
    assert response.mimetype == "application/problem+json"
    return response.status_code, response.get_json()["code"], response.get_json()["type"]


def test_only_json_bodies_are_read(client, bank):
    alice = bank.customer()
    assert problem(post_raw(client, alice, "name=x", "application/x-www-form-urlencoded", "/accounts"))[:2] == (
        415,
        "unsupported_media_type",
    )
    assert problem(post_raw(client, alice, '{"name": "x"}', "text/plain", "/accounts"))[0] == 415
    assert problem(client.post(f"{API}/accounts", data='{"name": "x"}', headers=alice.headers))[0] == 415


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        ("{", 400, "malformed_json"),
        ("", 400, "malformed_json"),
        ('{"name": "a", "name": "b"}', 400, "malformed_json"),
        ("[]", 422, "validation_error"),
        ('{"name": "a", "extra": 1}', 422, "validation_error"),
        ('{"name": "a\\u0000b"}', 422, "validation_error"),
        ('{"name": "\\ud800"}', 422, "validation_error"),
    ],
)
def test_malformed_bodies(client, bank, data, status, code):
    alice = bank.customer()
    assert problem(post_raw(client, alice, data, path="/accounts"))[:2] == (status, code)


def test_bodies_over_the_cap_are_413_problems(client, app, bank):
    alice = bank.customer()
    cap = app.config["MAX_CONTENT_LENGTH"]
    body = '{"name": "' + "x" * cap + '"}'
    status, code, _ = problem(post_raw(client, alice, body, path="/accounts"))
    assert (status, code) == (413, "body_too_large")
    # Without a Content-Length (chunked), the cap applies while reading: still a 413 problem.
    with live_server(app) as base:
        connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
        pieces = (body[i : i + 8192].encode() for i in range(0, len(body), 8192))
        connection.request(
            "POST",
            f"{API}/accounts",
            body=pieces,
            encode_chunked=True,
            headers={**alice.headers, "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        assert response.status == 413, response.read()
        assert response.getheader("Content-Type") == "application/problem+json"
        assert json.loads(response.read())["code"] == "body_too_large"
        connection.close()


def test_undeclared_query_parameters_are_refused(client, bank):
    alice = bank.customer()
    response = client.get(f"{API}/me?verbose=1", headers=alice.headers)
    assert problem(response)[:2] == (422, "validation_error")
    assert response.get_json()["errors"][0]["field"] == "verbose"


def test_wrong_method_is_405_with_allow(client):
    response = client.delete(f"{API}/transfers")
    assert problem(response)[0] == 405 and response.headers["Allow"] == "OPTIONS, POST"


def test_unknown_api_paths_are_404_problems(client):
    assert problem(client.get(f"{API}/nowhere"))[:2] == (404, "not_found")


def test_transfers_are_rate_limited_per_user(database_url, tmp_path, bank, client):
    alice, bob = bank.customer(balance=10_000), bank.customer(balance=10_000)
    limited = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_TRANSFER": "2 per minute",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    try:
        limited_client = limited.test_client()

        def send(caller, to):
            body = {"from_account": caller.account, "to_account": to, "amount": "1.00"}
            return limited_client.post(f"{API}/transfers", json=body, headers=caller.headers)

        assert [send(alice, bob.account).status_code for _ in range(2)] == [201, 201]
        refused = send(alice, bob.account)
        assert problem(refused)[:2] == (429, "rate_limited") and int(refused.headers["Retry-After"]) > 0
        assert send(bob, alice.account).status_code == 201
    finally:
        app_db.dispose()
