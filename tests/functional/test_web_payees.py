"""The payees page: save with confirmation of payee, rename, delete; the transfer form offers payees."""

import pytest

from minibank.services import payees

from ..support.databases import DATABASES, database_url_for
from ..support.web import balance, hidden_fields


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """This file runs on both engines (the other functional tests use SQLite only)."""
    return database_url_for(request.param, request, tmp_path)


@pytest.fixture
def dan(make_user, make_account):
    """Another customer's account, to save as a payee."""
    return make_account(owner=make_user(email="dan@example.com", name="Dan Secretname"))


def save(auth, number, name, confirmed=""):
    return auth.post_form("/payees", {"name": name, "account_number": number, "confirmed": confirmed})


def test_a_payee_whose_name_matches_is_saved_at_once(client, auth, customer, dan):
    response = save(auth, dan.number, "dan secretname")
    assert response.status_code == 303
    page = client.get("/payees").get_data(as_text=True)
    assert "Saved dan secretname as a payee." in page and "dan secretname" in page
    assert f"/transfer?to={dan.number}" in page


def test_a_close_match_shows_the_held_name_and_saves_only_when_sent_again(client, db, auth, customer, dan):
    user = customer[0]
    first = save(auth, dan.number, "Dan Secretnme")
    page = first.get_data(as_text=True)
    assert first.status_code == 422 and "Close match" in page and "The name on this account is Dan Secretname" in page
    assert payees.list_for_owner(db, owner_id=user.id) == []
    again = save(auth, dan.number, "Dan Secretnme", confirmed=hidden_fields(page)["confirmed"])
    assert again.status_code == 303
    assert [p.name_check for p in payees.list_for_owner(db, owner_id=user.id)] == ["close_match"]


def test_no_match_warns_without_revealing_the_holder(client, db, auth, customer, dan):
    response = save(auth, dan.number, "Bob Builder")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "does not match" in page and "Secretname" not in page


def test_rename_and_delete(client, db, auth, customer, dan):
    user = customer[0]
    payee, _ = payees.add(db, owner_id=user.id, name="Dan Secretname", number=dan.number)
    renamed = auth.post_form(f"/payees/{payee.id}/rename", {"name": "Mr Dan Secretname"}, form_page="/payees")
    assert renamed.status_code == 303
    assert payees.get(db, owner_id=user.id, payee_id=payee.id).name == "Mr Dan Secretname"
    warned = auth.post_form(f"/payees/{payee.id}/rename", {"name": "Someone Else"}, form_page="/payees")
    assert warned.status_code == 422 and "was not renamed" in warned.get_data(as_text=True)
    deleted = auth.post_form(f"/payees/{payee.id}/delete", {}, form_page="/payees")
    assert deleted.status_code == 303 and payees.list_for_owner(db, owner_id=user.id) == []


def test_another_customers_payee_is_out_of_reach(client, db, auth, customer, dan, make_user):
    other = make_user(email="other@example.com")
    theirs, _ = payees.add(db, owner_id=other.id, name="Dan Secretname", number=dan.number)
    assert auth.post_form(f"/payees/{theirs.id}/delete", {}, form_page="/payees").status_code == 404
    assert "Dan Secretname" not in client.get("/payees").get_data(as_text=True)


def test_the_transfer_form_offers_own_accounts_and_payees_and_pay_prefills(client, db, customer, dan):
    user = customer[0]
    payees.add(db, owner_id=user.id, name="Dan Secretname", number=dan.number)
    page = client.get(f"/transfer?to={dan.number}").get_data(as_text=True)
    assert 'list="destinations"' in page and 'label="Dan Secretname"' in page and 'label="Savings"' in page
    assert f'value="{dan.number}"' in page  # the Pay button's number, already typed


def _review(banking, funded, number, amount, name, save=False):
    data = {"from": funded.number, "to": number, "amount": amount, "memo": "", "payee_name": name}
    if save:
        data["save_payee"] = "y"
    return banking.client.post("/transfer", data={**data, **banking.form_tokens()}, follow_redirects=True)


@pytest.mark.parametrize(
    ("typed", "says", "ask"),
    [("Dan Secretname", "Name confirmed", False), ("Dan Secretnme", "the name on this account is", True),
     ("Bob Builder", "does not match", True)],
)  # fmt: skip
def test_a_name_typed_on_the_transfer_form_is_checked_before_confirm(
    client, db, customer, dan, banking, typed, says, ask
):
    _, funded, _ = customer
    response = _review(banking, funded, dan.number, "5.00", typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and says in page and "Confirm and send" in page
    assert ("Secretname" in page.replace(typed, "")) == (says == "the name on this account is")
    assert ('name="acknowledged"' in page) == ask
    data = hidden_fields(page)
    refused = banking.confirm(data)
    if ask:  # not sent until the customer ticks the box
        assert refused.status_code == 422 and balance(db, funded.number) == 10_000
        data["acknowledged"] = "y"
    assert banking.confirm(data).status_code == 303 if ask else refused.status_code == 303
    assert balance(db, funded.number) == 9_500


def test_a_transfer_can_save_its_destination_as_a_payee(client, db, customer, dan, banking):
    user, funded, _ = customer
    page = _review(banking, funded, dan.number, "5.00", "Dan Secretname", save=True).get_data(as_text=True)
    sent = banking.confirm(hidden_fields(page))
    assert sent.status_code == 303
    assert [(p.name, p.account_number) for p in payees.list_for_owner(db, owner_id=user.id)] == [
        ("Dan Secretname", dan.number)
    ]
    assert "Saved Dan Secretname as a payee." in client.get(sent.headers["Location"]).get_data(as_text=True)


def test_name_checks_on_the_transfer_form_count_in_the_customers_budget(
    database_url, tmp_path, monkeypatch, make_user, make_account
):
    from minibank import create_app

    from ..support.http import Auth
    from ..support.web import Banking

    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "limited"))
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "RATELIMIT_PAYEE_CHECK": "2 per hour"})
    client = app.test_client()
    dan = make_account(owner=make_user(email="dan@example.com", name="Dan Secretname"))
    user = make_user(email="fay@example.com")
    funded = make_account(owner=user, balance=1_000)
    Auth(client).login("fay@example.com")
    banking = Banking(client)
    named = [_review(banking, funded, dan.number, "1.00", "D Secretname").status_code for _ in range(3)]
    assert named == [200, 200, 429]
    assert _review(banking, funded, dan.number, "1.00", "").status_code == 200  # no name typed: no check
