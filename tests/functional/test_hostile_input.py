"""Input shaped to break the edges: deep JSON, non-canonical ids, a forged Host on a redirect."""

import pytest

from minibank import create_app
from minibank.extensions import db as app_db

DEEP = ["[" * 20_000, '{"a":' * 9_000, '{"email": ' + "[" * 20_000, '{"email": "a@b.c", "x": ' + "{" * 9_000]


@pytest.fixture
def limited_client(database_url, tmp_path, monkeypatch):
    """The app with its rate limits on, as it runs by default: the limits' key reads the body first."""
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "DATABASE_URL": database_url})
    yield app.test_client()
    app_db.dispose()


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/auth/register"])
@pytest.mark.parametrize("body", DEEP)
def test_deeply_nested_json_is_a_400(limited_client, path, body):
    response = limited_client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["code"] == "malformed_json"


@pytest.mark.parametrize("spelling", ["01", "\u0661", "\uff11", "1\u0660"[:1] + "\u200b"])
def test_only_canonical_ascii_ids_resolve(client, auth, bank, spelling):
    caller = bank.customer(balance=100)  # its deposit is transfer 1
    auth.login(caller.user.email)
    assert client.get("/api/v1/transfers/1", headers=caller.headers).status_code == 200
    assert client.get("/transfers/1").status_code == 200
    assert client.get(f"/api/v1/transfers/{spelling}", headers=caller.headers).status_code == 404
    assert client.get(f"/transfers/{spelling}").status_code == 404


@pytest.mark.parametrize("path", ["/api//v1/me", "/settings//password", "/api/v1//accounts?limit=1"])
def test_slash_merging_redirects_within_the_site(client, path):
    response = client.get(path, headers={"Host": "evil.example"})
    assert response.status_code == 308
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location
    assert response.headers["Cache-Control"] == "no-store"


SPOOFING = ["\u202e", "\u200b", "\u2028", "\u2029", "\ufeff", "\u2066", "\x1b", "\ue000"]


@pytest.mark.parametrize("char", SPOOFING)
def test_memos_and_names_refuse_invisible_characters(client, bank, char):
    caller, payee = bank.customer(balance=1_000), bank.customer()
    sent = client.post(
        "/api/v1/transfers",
        headers=caller.headers,
        json={
            "from_account": caller.account,
            "to_account": payee.account,
            "amount": "1.00",
            "memo": f"rent{char}gpj.exe",
        },
    )
    opened = client.post("/api/v1/accounts", headers=caller.headers, json={"name": f"Sav{char}ings"})
    registered = client.post(
        "/api/v1/auth/register",
        json={"email": "spoof@example.com", "name": f"Ali{char}ce", "password": "a long passphrase here"},
    )
    for response, field in ((sent, "memo"), (opened, "name"), (registered, "name")):
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["errors"][0]["field"] == field
        assert f"U+{ord(char):04X}" in response.get_json()["detail"] + str(response.get_json()["errors"])


def test_the_web_form_says_which_character(client, auth):
    password = "a long passphrase here"
    fields = {"email": "web-spoof@example.com", "name": "Bob\u202eevil", "password": password}
    response = auth.post_form("/register", {**fields, "confirm_password": password})
    assert response.status_code == 422 and "U+202E" in response.get_data(as_text=True)


def test_ordinary_text_in_any_script_is_kept(client, bank):
    caller, payee = bank.customer(balance=1_000), bank.customer()
    sent = client.post(
        "/api/v1/transfers",
        headers=caller.headers,
        json={
            "from_account": caller.account,
            "to_account": payee.account,
            "amount": "1.00",
            "memo": "Miete für März 💶 مرحبا",
        },
    )
    assert sent.status_code == 201
