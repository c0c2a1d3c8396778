"""Sessions that do not lose work: a page asked for after the session ended comes back after
login, and the login follows `next` to a page of this site only."""

import time
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from minibank.security import tokens

from ..support.factories import PASSWORD
from ..support.web import hidden_fields


def end_session(app, client, user) -> None:
    """Make the browser's session one that ended: its token well signed, expired 60 seconds ago."""
    token, _ = tokens.issue(
        user_id=user.id,
        token_version=user.token_version,
        keys=app.config["JWT_KEYS"],
        ttl=app.config["TOKEN_TTL"],
        audience=tokens.AUDIENCE_WEB,
        now=int(time.time()) - app.config["TOKEN_TTL"] - 60,
    )
    client.set_cookie("minibank", token)


def log_in(client, email: str, next_path: str | None = None, password: str = PASSWORD):
    """Log in from the login page as the browser reaches it (``/?next=...``); returns the login's answer."""
    page = client.get("/" if next_path is None else f"/?next={quote(next_path, safe='')}")
    assert page.status_code == 200, page.status_code
    fields = hidden_fields(page.get_data(as_text=True))
    return client.post("/login", data={**fields, "email": email, "password": password})


def page_text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_page_asked_for_after_the_session_ended_comes_back_after_login(app, client, customer):
    user, funded, _ = customer
    end_session(app, client, user)
    response = client.get(f"/accounts/{funded.number}?cursor=")
    location = urlsplit(response.headers["Location"])
    assert response.status_code == 303 and location.path == "/"
    assert parse_qs(location.query) == {"next": [f"/accounts/{funded.number}?cursor="]}
    assert "Your session has ended. Please log in again." in page_text(client, response.headers["Location"])
    logged_in = log_in(client, "carol@example.com", f"/accounts/{funded.number}?cursor=")
    assert logged_in.headers["Location"] == f"/accounts/{funded.number}?cursor="


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://evil.example/transfer",
        "//evil.example/transfer",
        "/\\evil.example/transfer",
        "/\t/evil.example/transfer",
        "///evil.example",
        "javascript:alert(1)",
        "evil.example/transfer",
        "",
    ],
)
def test_next_never_leads_to_another_site(client, make_user, elsewhere):
    make_user(email="ivy@example.com")
    page = page_text(client, f"/?next={quote(elsewhere, safe='')}")
    assert hidden_fields(page)["next"] == ""
    fields = hidden_fields(page)
    response = client.post(
        "/login", data={**fields, "next": elsewhere, "email": "ivy@example.com", "password": PASSWORD}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard"
    assert client.get(f"/?next={quote(elsewhere, safe='')}").headers["Location"] == "/dashboard"


def test_next_leads_to_a_page_of_this_site(client, make_user):
    make_user(email="jo@example.com")
    assert log_in(client, "jo@example.com", "/payees").headers["Location"] == "/payees"
    assert client.get("/?next=/transfer").headers["Location"] == "/transfer"  # already logged in
