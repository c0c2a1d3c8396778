"""Landing page, dashboard, opening an account, and the friendly error pages."""

import re

import pytest
from flask import abort

from minibank import create_app
from minibank.services import transfers


def test_landing_page_is_the_login_form_for_visitors(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and 'for="email"' in page and 'action="/login"' in page
    assert "<script src=" in page and "<script>" not in page and "style=" not in page


def test_dashboard_lists_accounts_totals_and_the_latest_five_movements(client, db, customer, make_account):
    user, funded, _empty = customer
    make_account(owner=user, balance=2_550, name="Travel", currency="EUR")
    other = make_account(balance=0)
    for n in range(1, 7):
        transfers.transfer(
            db, actor_id=user.id, source=funded.number, destination=other.number, amount=n, memo=f"move{n}"
        )
    page = client.get("/dashboard").get_data(as_text=True)
    assert all(name in page for name in ("Checking", "Savings", "Travel"))
    assert f"{funded.number[:4]} {funded.number[4:8]} {funded.number[8:]}" in page
    assert "Total in USD" in page and "99.79 USD" in page and "Total in EUR" in page and "25.50 EUR" in page
    assert re.findall(r"move(\d)", page) == ["6", "5", "4", "3", "2"]
    assert 'href="/transfer"' in page and f'href="/accounts/{funded.number}"' in page


def test_open_an_account_with_a_chosen_name(client, auth, customer):
    response = auth.post_form("/accounts", {"name": "Holiday fund"}, form_page="/dashboard")
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard"
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Holiday fund" in page and "is open" in page


@pytest.mark.parametrize(
    ("name", "message"), [("", "Give the account a name."), ("x" * 61, "60"), ("tab\tname", "U+0009")]
)
def test_open_account_refusals_are_shown_next_to_the_name(client, auth, customer, name, message):
    response = auth.post_form("/accounts", {"name": name}, form_page="/dashboard")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="name-error"' in page and message in page


def test_open_account_without_csrf_token_is_refused(client, customer):
    response = client.post("/accounts", data={"name": "Sneaky"})
    assert response.status_code == 400 and "Sneaky" not in client.get("/dashboard").get_data(as_text=True)


@pytest.fixture
def failing_app(sqlite_url, tmp_path, monkeypatch):
    """An app with routes that fail in each way a page can."""
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "failing"))
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_url, "RATELIMIT_ENABLED": False})
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    app.add_url_rule("/forbidden", "forbidden", lambda: abort(403))
    return app


@pytest.mark.parametrize(
    ("path", "method", "status", "text"),
    [
        ("/no-such-page", "get", 404, "Not found"),
        ("/logout", "post", 400, "did not come from this site"),
        ("/forbidden", "get", 403, "You do not have access"),
        ("/boom", "get", 500, "Nothing was changed"),
    ],
)
def test_error_pages_are_friendly_and_never_show_internals(failing_app, path, method, status, text):
    response = getattr(failing_app.test_client(), method)(path)
    page = response.get_data(as_text=True)
    assert response.status_code == status and response.mimetype == "text/html"
    assert text in page and "Back to miniBank" in page
    assert "Traceback" not in page and "ZeroDivisionError" not in page and 'File "' not in page
