"""API payees and confirmation of payee: match, close match (with the held name), no match (without),
acknowledgement, no name for a bare number, limits per customer."""

import pytest

from minibank import create_app
from minibank.services import audit

from ..support.databases import DATABASES, database_url_for
from ..support.http import Auth

API = "/api/v1"


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """This file runs on both engines (the other functional tests use SQLite only)."""
    return database_url_for(request.param, request, tmp_path)


@pytest.fixture
def dan(make_user, make_account):
    """Another customer, the payee."""
    return make_account(owner=make_user(email="dan@example.com", name="Dan Secretname"))


def check(client, caller, number, name):
    return client.get(
        f"{API}/confirmation-of-payee", query_string={"name": name, "account_number": number}, headers=caller.headers
    )


def add(client, caller, number, name, **extra):
    body = {"name": name, "account_number": number, **extra}
    return client.post(f"{API}/payees", json=body, headers=caller.headers)


@pytest.mark.parametrize(
    ("typed", "result", "held"),
    [("dan secretname", "match", None), ("D Secretname", "close_match", "Dan Secretname"), ("Alice", "no_match", None)],
)
def test_confirmation_of_payee_answers_match_close_match_or_no_match(client, bank, dan, typed, result, held):
    alice = bank.customer()
    response = check(client, alice, dan.number, typed)
    assert response.status_code == 200 and response.get_json() == {"result": result, "held_name": held}


def test_a_number_alone_never_reveals_its_holder(client, bank, dan):
    alice = bank.customer()
    for name in ("x", "?", "Dan"):
        body = check(client, alice, dan.number, name).get_json()
        assert "Secretname" not in str(body)
    unknown = check(client, alice, "1234567897", "Dan Secretname")
    assert unknown.status_code == 422 and unknown.get_json()["code"] in ("unknown_destination", "validation_error")


def test_saving_a_payee_that_matches_and_listing_renaming_deleting_it(client, bank, dan):
    alice = bank.customer()
    saved = add(client, alice, f"{dan.number[:4]} {dan.number[4:]}", "Dan Secretname")
    assert saved.status_code == 201, saved.get_json()
    payee = saved.get_json()
    assert (payee["name"], payee["account_number"], payee["name_check"]) == ("Dan Secretname", dan.number, "match")
    assert client.get(f"{API}/payees", headers=alice.headers).get_json()["items"] == [payee]
    renamed = client.patch(f"{API}/payees/{payee['id']}", json={"name": "Mr Dan Secretname"}, headers=alice.headers)
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Mr Dan Secretname"
    assert add(client, alice, dan.number, "Dan Secretname").status_code == 409  # already a payee
    assert client.delete(f"{API}/payees/{payee['id']}", headers=alice.headers).status_code == 204
    assert client.get(f"{API}/payees", headers=alice.headers).get_json()["items"] == []


@pytest.mark.parametrize(("typed", "held"), [("Dan Secretnme", "Dan Secretname"), ("Bob Builder", None)])
def test_a_name_that_does_not_match_needs_the_customers_confirmation(client, db, bank, dan, typed, held):
    alice = bank.customer()
    refused = add(client, alice, dan.number, typed)
    problem = refused.get_json()
    assert refused.status_code == 422 and problem["code"] == "name_not_confirmed"
    assert problem["name_check"]["held_name"] == held
    assert ("Dan Secretname" in problem["detail"]) == (held is not None)
    assert client.get(f"{API}/payees", headers=alice.headers).get_json()["items"] == []
    saved = add(client, alice, dan.number, typed, confirmed=True)
    assert saved.status_code == 201 and saved.get_json()["name_check"] in ("close_match", "no_match")
    assert audit.list_events(db, limit=1).items[0].event == "payee.added"


def test_own_accounts_and_other_customers_payees_are_out_of_reach(client, bank, dan, make_account):
    alice, bob = bank.customer(), bank.customer()
    own = add(client, alice, alice.account, "Test User")
    assert own.status_code == 422 and own.get_json()["code"] == "validation_error"
    payee = add(client, alice, dan.number, "Dan Secretname").get_json()
    for method in ("patch", "delete"):
        response = getattr(client, method)(f"{API}/payees/{payee['id']}", json={"name": "x y"}, headers=bob.headers)
        assert response.status_code == 404
    assert client.get(f"{API}/payees", headers=bob.headers).get_json()["items"] == []


def test_name_checks_are_limited_per_customer(database_url, tmp_path, monkeypatch, make_user, make_account):
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "limited"))
    app = create_app({"DATABASE_URL": database_url, "RATELIMIT_ENABLED": True, "RATELIMIT_PAYEE_CHECK": "3 per hour"})
    client = app.test_client()
    dan = make_account(owner=make_user(email="dan@example.com", name="Dan Secretname"))
    alice = make_user(email="alice@example.com")
    headers = Auth(client).bearer(alice.email)
    body = {"name": "D Secretname", "account_number": dan.number}
    statuses = [
        client.get(f"{API}/confirmation-of-payee", query_string=body, headers=headers).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    saving = client.post(f"{API}/payees", json={**body, "confirmed": True}, headers=headers)
    assert saving.status_code == 429  # saving and renaming count against the same budget
    web = Auth(client)
    web.login(alice.email)
    on_the_page = web.post_form("/payees", {"name": "D Secretname", "account_number": dan.number, "confirmed": ""})
    assert on_the_page.status_code == 429  # and so does the payees page: one budget, web and API
    assert "Secretname" not in on_the_page.get_data(as_text=True)
    bob = make_user(email="bob@example.com")
    other = client.get(f"{API}/confirmation-of-payee", query_string=body, headers=Auth(client).bearer(bob.email))
    assert other.status_code == 200  # per customer: another one still has the whole budget
