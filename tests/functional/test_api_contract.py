"""The contract: a valid OpenAPI 3.1 document that lists every route and every status each one answers.

Statuses that follow from an operation's shape (guards, body, query, path, writes, limits)
are provoked here for every operation the document lists; the others are named in
SPECIFIC with the test that provokes them.
"""

import importlib
import re
import sqlite3

import pytest
from openapi_spec_validator import validate

import minibank.db
from minibank import create_app
from minibank.api.openapi import document
from minibank.extensions import db as app_db

from ..support.factories import PASSWORD

OPERATIONS = [
    (method.upper(), path, spec) for path, item in document()["paths"].items() for method, spec in item.items()
]
MISSING = {
    "number": "1000000064",
    "transfer_id": "999999999",
    "user_id": "999999999",
    "batch_id": "999999999",
    "payee_id": "999999999",
    "session_id": "NoSuchSessionAtAll0000",
}
# A body that passes validation, for operations that have both a body and a path id: their 404.
VALID_BODY = {"rename_payee": '{"name": "Dan Secretname"}'}
SPECIFIC = {
    ("list_accounts", 200): "test_api_accounts::test_open_list_and_read_accounts",
    ("open_account", 201): "test_api_accounts::test_open_list_and_read_accounts",
    ("get_account", 200): "test_api_accounts::test_open_list_and_read_accounts",
    ("list_transactions", 200): "test_api_accounts::test_history_pages_newest_first",
    ("list_audit", 200): "test_api_admin::test_audit_pages_newest_first",
    ("deposit", 201): "test_api_admin::test_deposit_and_withdrawal",
    ("deposit", 404): "test_api_admin::test_deposit_and_withdrawal",
    ("deposit", 409): "test_api_admin::test_cash_keys_replay_per_teller",
    ("withdraw", 201): "test_api_admin::test_deposit_and_withdrawal",
    ("withdraw", 404): "test_api_admin::test_deposit_and_withdrawal",
    ("withdraw", 409): "test_api_admin::test_cash_keys_replay_per_teller",
    ("disable_user", 200): "test_api_admin::test_disable_and_enable_a_user",
    ("disable_user", 409): "test_api_admin::test_an_administrator_cannot_disable_their_own_account",
    ("enable_user", 200): "test_api_admin::test_disable_and_enable_a_user",
    ("create_transfer", 201): "test_api_transfers::test_a_transfer_moves_money_and_both_parties_can_read_it",
    ("create_transfer", 404): "test_api_transfers::test_refusals_answer_with_the_domain_codes_and_move_nothing",
    ("create_transfer", 409): "test_api_transfers::test_same_key_different_body_is_a_conflict",
    ("get_transfer", 200): "test_api_transfers::test_a_transfer_moves_money_and_both_parties_can_read_it",
    (
        "create_batch",
        201,
    ): "integration.test_api_batches::test_an_atomic_batch_moves_every_transfer_and_answers_each_in_order",
    (
        "create_batch",
        409,
    ): "integration.test_api_batches::test_a_retry_with_the_key_replays_the_batch_and_another_body_is_409",
    (
        "get_batch",
        200,
    ): "integration.test_api_batches::test_an_atomic_batch_moves_every_transfer_and_answers_each_in_order",
    ("register", 202): "integration.test_identity_mail::test_api_registration_answers_the_same_for_new_and_taken",
    (
        "request_password_reset",
        202,
    ): "integration.test_identity_mail::test_api_password_reset_answers_the_same_and_ends_every_token",
    (
        "confirm_password_reset",
        204,
    ): "integration.test_identity_mail::test_api_password_reset_answers_the_same_and_ends_every_token",
    ("create_transfer", 403): "integration.test_identity_mail::test_unverified_users_cannot_send_money_when_required",
    ("create_batch", 403): "integration.test_identity_mail::test_unverified_users_cannot_send_money_when_required",
    ("token", 200): "test_api_contract::test_auth_operations",
    ("token", 401): "test_api_contract::test_auth_operations",
    ("token", 403): "test_two_factor::test_staff_in_production_must_set_up_a_second_factor_first",
    ("revoke", 204): "test_api_contract::test_auth_operations",
    ("me", 200): "test_api_contract::test_auth_operations",
    ("list_payees", 200): "test_api_payees::test_saving_a_payee_that_matches_and_listing_renaming_deleting_it",
    ("add_payee", 201): "test_api_payees::test_saving_a_payee_that_matches_and_listing_renaming_deleting_it",
    ("add_payee", 409): "test_api_payees::test_saving_a_payee_that_matches_and_listing_renaming_deleting_it",
    ("rename_payee", 200): "test_api_payees::test_saving_a_payee_that_matches_and_listing_renaming_deleting_it",
    ("delete_payee", 204): "test_api_payees::test_saving_a_payee_that_matches_and_listing_renaming_deleting_it",
    ("check_payee", 200): "test_api_payees::test_confirmation_of_payee_answers_match_close_match_or_no_match",
    ("search_customers", 200): "test_api_back_office::test_find_customers_in_pages_and_read_one",
    ("get_customer", 200): "test_api_back_office::test_find_customers_in_pages_and_read_one",
    ("freeze_account", 200): "test_api_back_office::test_freeze_unfreeze_and_close",
    ("freeze_account", 409): "test_api_back_office::test_freeze_unfreeze_and_close",
    ("unfreeze_account", 200): "test_api_back_office::test_freeze_unfreeze_and_close",
    ("unfreeze_account", 409): "test_api_back_office::test_freeze_unfreeze_and_close",
    ("close_account", 200): "test_api_back_office::test_freeze_unfreeze_and_close",
    ("close_account", 409): "test_api_back_office::test_freeze_unfreeze_and_close",
    ("end_sessions", 200): "test_api_back_office::test_end_a_customers_sessions",
    (
        "list_sessions",
        200,
    ): "integration.test_sessions::test_sessions_are_listed_with_device_and_address_and_this_one_marked",
    (
        "end_session",
        204,
    ): "integration.test_sessions::test_signing_out_one_session_refuses_its_tokens_at_once_and_keeps_the_others",
    ("end_other_sessions", 200): "integration.test_sessions::test_signing_out_every_other_session",
    (
        "request_login_unlock",
        202,
    ): "integration.test_login_unlock::test_asking_answers_the_same_for_known_unknown_and_malformed_addresses",
}


def url(path: str, query: str = "") -> str:
    """The operation's path with a well-formed id of nothing that exists."""
    return re.sub(r"{(\w+)}", lambda m: MISSING[m.group(1)], path) + query


def declares(spec, status: int) -> bool:
    return str(status) in spec["responses"]


def test_the_document_is_valid_openapi_3_1(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    transfer = spec["paths"]["/api/v1/transfers"]["post"]
    assert any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in transfer["parameters"])
    assert "Idempotent-Replayed" in transfer["responses"]["201"]["headers"]
    assert transfer["responses"]["429"]["headers"]["Retry-After"]["required"] is True
    assert "application/problem+json" in transfer["responses"]["422"]["content"]


def test_every_api_route_is_in_the_document(app):
    routes = {
        (method, re.sub(r"<(?:[^<>]*:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == {(method, path) for method, path, _ in OPERATIONS}


def test_every_declared_status_is_exercised():
    generic = {400, 401, 403, 404, 413, 415, 422, 429, 503}
    by_rule = {
        (spec["operationId"], int(status))
        for _, _, spec in OPERATIONS
        for status in spec["responses"]
        if int(status) in generic and (spec["operationId"], int(status)) not in SPECIFIC
    }
    declared = {(spec["operationId"], int(status)) for _, _, spec in OPERATIONS for status in spec["responses"]}
    assert declared == by_rule | set(SPECIFIC)
    for target in set(SPECIFIC.values()):
        module, name = target.split("::")
        package = module if "." in module else f"functional.{module}"
        assert hasattr(importlib.import_module(f"tests.{package}"), name), target


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 415, 422])
def test_every_operation_answers_its_shape_statuses(client, app, bank, status):
    teller, customer = bank.supervisor(), bank.customer()
    big = '{"name": "' + "x" * max(app.config["MAX_CONTENT_LENGTH"], app.config["MAX_BATCH_BODY_BYTES"]) + '"}'
    for method, path, spec in OPERATIONS:
        if not declares(spec, status) or (spec["operationId"], status) in SPECIFIC:
            continue
        admin = any("admin" in tag for tag in spec["tags"])
        headers = {} if status == 401 else (customer if status == 403 or not admin else teller).headers
        body = {400: "{", 413: big}.get(status, VALID_BODY.get(spec["operationId"], "{}") if status == 404 else "{}")
        kind = "text/plain" if status == 415 else "application/json"
        query = "?undeclared=1" if status == 422 else ""
        response = client.open(url(path, query), method=method, data=body, content_type=kind, headers=headers)
        assert response.status_code == status, (method, path, response.get_json())
        assert response.mimetype == "application/problem+json"


def _app(database_url, **config):
    return create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_ENABLED": False,
            **config,
        }
    )


def test_every_operation_is_rate_limited(database_url, bank):
    teller = bank.supervisor()
    limited = _app(
        database_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_DEFAULT="1 per hour",
        RATELIMIT_LOGIN="1 per hour",
        RATELIMIT_TRANSFER="1 per hour",
        RATELIMIT_BATCH="1 per hour",
        RATELIMIT_PAYEE_CHECK="1 per hour",
        RATELIMIT_PASSWORD_RESET="1 per hour",
    )
    try:
        client = limited.test_client()
        # Revoking last: it ends the token the others use.
        for method, path, _spec in sorted(OPERATIONS, key=lambda op: op[2]["operationId"] == "revoke"):
            first = client.open(url(path), method=method, json={}, headers=teller.headers)
            refused = client.open(url(path), method=method, json={}, headers=teller.headers)
            assert refused.status_code == 429, (method, path, first.status_code)
            assert int(refused.headers["Retry-After"]) > 0
    finally:
        app_db.dispose()


def test_every_write_answers_busy_when_the_database_stays_locked(database_url, bank, monkeypatch, client):
    teller, alice, bob = bank.supervisor(), bank.customer(balance=1_000), bank.customer()
    payee = client.post(
        "/api/v1/payees", json={"name": "x", "account_number": bob.account, "confirmed": True}, headers=alice.headers
    ).get_json()["id"]
    [session] = client.get("/api/v1/sessions", headers=alice.headers).get_json()["items"]
    valid = {
        "request_login_unlock": ({}, {"email": alice.user.email}),
        "end_session": (alice, None),
        "end_other_sessions": (alice, None),
        "open_account": (alice, {"name": "Spare"}),
        "register": ({}, {"email": "new@example.com", "name": "New", "password": PASSWORD}),
        "request_password_reset": ({}, {"email": alice.user.email}),
        "confirm_password_reset": ({}, {"token": "x" * 43, "password": "a new long passphrase"}),
        "token": ({}, {"email": alice.user.email, "password": PASSWORD}),
        "revoke": (alice, None),
        "create_transfer": (alice, {"from_account": alice.account, "to_account": bob.account, "amount": "1.00"}),
        "create_batch": (
            {**alice.headers, "Idempotency-Key": "busy"},
            {
                "mode": "atomic",
                "transfers": [{"from_account": alice.account, "to_account": bob.account, "amount": "1.00"}],
            },
        ),
        "deposit": (teller, {"account": alice.account, "amount": "1.00"}),
        "withdraw": (teller, {"account": alice.account, "amount": "1.00"}),
        "disable_user": (teller, None),
        "enable_user": (teller, None),
        "freeze_account": (teller, None),
        "unfreeze_account": (teller, None),
        "close_account": (teller, None),
        "end_sessions": (teller, None),
        "add_payee": (alice, {"name": "Bob", "account_number": bob.account, "confirmed": True}),
        "rename_payee": (alice, {"name": "Robert", "confirmed": True}),
        "delete_payee": (alice, None),
    }
    monkeypatch.setattr(minibank.db, "SQLITE_BUSY_TIMEOUT_MS", 1)
    busy = _app(database_url)
    blocker = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        client = busy.test_client()
        for method, path, spec in OPERATIONS:
            if not declares(spec, 503):
                continue
            caller, body = valid[spec["operationId"]]
            headers = getattr(caller, "headers", caller)
            target = path.replace("{user_id}", str(bob.user.id)).replace("{payee_id}", str(payee))
            target = target.replace("{number}", alice.account)
            target = target.replace("{session_id}", session["id"])
            response = client.open(target, method=method, json=body, headers=headers)
            assert response.status_code == 503, (target, response.get_json())
            assert response.get_json()["code"] == "busy" and response.headers["Retry-After"] == "1"
    finally:
        blocker.rollback()
        blocker.close()
        app_db.dispose()


def test_auth_operations(client):
    new = {"email": "erin@example.com", "name": "Erin", "password": PASSWORD}
    assert client.post("/api/v1/auth/register", json=new).status_code == 202
    taken = client.post("/api/v1/auth/register", json={**new, "email": "ERIN@example.com"})
    assert (taken.status_code, taken.get_json()["status"]) == (202, "check_inbox")
    wrong = client.post("/api/v1/auth/token", json={"email": new["email"], "password": "not it at all"})
    assert (wrong.status_code, wrong.get_json()["code"]) == (401, "invalid_credentials")
    token = client.post("/api/v1/auth/token", json={"email": new["email"], "password": PASSWORD})
    assert token.status_code == 200 and token.get_json()["token_type"] == "Bearer"
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    assert client.get("/api/v1/me", headers=headers).get_json()["email"] == new["email"]
    assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204


def test_the_docs_page_runs_without_inline_script(client):
    page = client.get("/api/docs")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html  # readable on a phone
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in attributes and not body.strip() for attributes, body in scripts)
    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        with client.get(asset) as response:
            assert response.status_code == 200, asset
    with client.get("/static/api-docs.js") as initializer:
        assert "SwaggerUIBundle" in initializer.get_data(as_text=True)
    assert client.get("/api/docs/assets/index.html").status_code == 404
