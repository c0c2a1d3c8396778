"""Sessions that do not lose work: the page says when the session ends, Stay signed in renews it,
and a form sent after it ended is kept (never acted on) and comes back filled in after login."""

import re
import time
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from minibank.security import tokens
from minibank.web import drafts
from minibank.web.forms import PasswordForm

from ..support.factories import PASSWORD
from ..support.web import Banking, balance, hidden_fields

KEPT = "Your session has ended, so nothing was sent. Log in again to continue: what you typed is kept."
RESTORED = "Your session ended, so nothing was sent. Check the details and send again."
_META = re.compile(r'<meta name="session-expires" content="(\d+)"[^>]*>')


@pytest.fixture
def dan(make_user, make_account):
    """Another customer, with an account to pay."""
    user = make_user(email="dan@example.com", name="Dan")
    return user, make_account(owner=user, balance=500)


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


def typed_transfer(source: str, destination: str, form: dict) -> dict:
    return {"from": source, "to": destination, "amount": "12.50", "memo": "rent for May", **form}


def test_a_transfer_sent_after_the_session_ended_moves_nothing_and_comes_back_after_login(
    app, client, db, customer, dan
):
    user, funded, _ = customer
    form = Banking(client).form_tokens()
    end_session(app, client, user)
    response = client.post("/transfer", data=typed_transfer(funded.number, dan[1].number, form))
    assert response.status_code == 303 and response.headers["Location"] == "/?next=/transfer"
    assert balance(db, funded.number) == 10_000
    login_page = page_text(client, response.headers["Location"])
    assert KEPT in login_page and 'name="next" type="hidden" value="/transfer"' in login_page
    assert "12.50" not in login_page  # the draft shows only on its own page, after login

    logged_in = log_in(client, "carol@example.com", "/transfer")
    assert logged_in.status_code == 303 and logged_in.headers["Location"] == "/transfer"
    page = page_text(client, "/transfer")
    assert RESTORED in page
    assert 'value="12.50"' in page and 'value="rent for May"' in page and f'value="{dan[1].number}"' in page
    assert f'selected value="{funded.number}"' in page
    assert hidden_fields(page)["token"] == form["token"]  # sending it again can never send twice
    assert balance(db, funded.number) == 10_000


def test_the_confirm_step_lands_back_on_the_filled_in_form_without_sending(app, client, db, customer, dan):
    user, funded, _ = customer
    banking = Banking(client)
    data = banking.confirm_data(funded.number, dan[1].number, "7.00", "books")
    end_session(app, client, user)
    response = banking.confirm(data)
    assert response.status_code == 303 and response.headers["Location"] == "/?next=/transfer"
    assert balance(db, funded.number) == 10_000 and balance(db, dan[1].number) == 500

    assert log_in(client, "carol@example.com", "/transfer").headers["Location"] == "/transfer"
    page = page_text(client, "/transfer")
    assert RESTORED in page and 'value="7.00"' in page and 'value="books"' in page
    assert balance(db, funded.number) == 10_000
    # Sent again from the restored form: the money moves once, under the form's first token.
    again = {**hidden_fields(page), "from": funded.number, "to": dan[1].number, "amount": "7.00", "memo": "books"}
    review = client.post("/transfer", data=again, follow_redirects=True)  # Check and confirm: its own page
    assert review.status_code == 200 and "Confirm and send" in review.get_data(as_text=True)
    fresh = hidden_fields(review.get_data(as_text=True))
    assert banking.confirm(fresh).status_code == 303
    # The confirm form of before, sent again (with this session's CSRF token): a replay, never a second transfer.
    assert banking.confirm({**data, "csrf_token": fresh["csrf_token"]}).status_code == 303
    assert balance(db, funded.number) == 9_300


def test_another_user_never_sees_the_draft(app, client, db, customer, dan):
    user, funded, _ = customer
    form = Banking(client).form_tokens()
    end_session(app, client, user)
    client.post("/transfer", data=typed_transfer(funded.number, dan[1].number, form))

    assert log_in(client, "dan@example.com", "/transfer").headers["Location"] == "/transfer"
    page = page_text(client, "/transfer")
    assert RESTORED not in page and "12.50" not in page and "rent for May" not in page
    with client.session_transaction() as kept:
        assert drafts.KEY not in kept  # dropped at Dan's login, not only hidden from him

    client.post("/logout", data={"csrf_token": hidden_fields(page)["csrf_token"]})
    log_in(client, "carol@example.com", "/transfer")
    assert "rent for May" not in page_text(client, "/transfer")


def test_a_draft_is_used_once_and_expires(app, client, db, customer, dan):
    user, funded, _ = customer
    form = Banking(client).form_tokens()
    end_session(app, client, user)
    client.post("/transfer", data=typed_transfer(funded.number, dan[1].number, form))
    log_in(client, "carol@example.com", "/transfer")
    assert RESTORED in page_text(client, "/transfer")
    again = page_text(client, "/transfer")
    assert RESTORED not in again and "rent for May" not in again

    # Kept again, then left for longer than 15 minutes.
    form = Banking(client).form_tokens()
    end_session(app, client, user)
    client.post("/transfer", data=typed_transfer(funded.number, dan[1].number, form))
    with client.session_transaction() as kept:
        kept[drafts.KEY] = {**kept[drafts.KEY], "at": kept[drafts.KEY]["at"] - drafts.LIFETIME - 1}
    log_in(client, "carol@example.com", "/transfer")
    stale = page_text(client, "/transfer")
    assert RESTORED not in stale and "rent for May" not in stale


def test_a_draft_keeps_no_csrf_token_password_or_acknowledgement(app, client, customer, dan):
    user, funded, _ = customer
    data = Banking(client).confirm_data(funded.number, dan[1].number, "7.00")
    end_session(app, client, user)
    client.post("/transfer/confirm", data={**data, "acknowledged": "y", "password": "should never be kept"})
    with client.session_transaction() as kept:
        names = {name for name, _ in kept[drafts.KEY]["fields"]}
    assert names == {"from", "to", "amount", "memo", "payee_name", "token"}
    with pytest.raises(TypeError, match="never be kept"):

        class Leaky(PasswordForm):
            draft_fields = ("current_password",)

        drafts.keeps_draft(Leaky, page="web.change_password")


def test_an_empty_form_after_the_session_ended_keeps_nothing(app, client, db, customer):
    user, funded, _ = customer
    form = Banking(client).form_tokens()
    end_session(app, client, user)
    response = client.post("/transfer", data={"from": funded.number, "to": "", "amount": " ", **form})
    assert response.headers["Location"] == "/?next=/transfer"
    assert drafts.ENDED in page_text(client, "/?next=/transfer")
    with client.session_transaction() as kept:
        assert drafts.KEY not in kept


def test_the_payees_form_is_kept_too_but_not_a_warnings_confirmation(app, client, db, customer, dan):
    user, _, _ = customer
    csrf = hidden_fields(page_text(client, "/payees"))["csrf_token"]
    end_session(app, client, user)
    typed = {"name": "Dan the builder", "account_number": dan[1].number, "confirmed": "yes", "csrf_token": csrf}
    response = client.post("/payees", data=typed)
    assert response.status_code == 303 and response.headers["Location"] == "/?next=/payees"
    assert log_in(client, "carol@example.com", "/payees").headers["Location"] == "/payees"
    page = page_text(client, "/payees")
    assert RESTORED in page and 'value="Dan the builder"' in page and f'value="{dan[1].number}"' in page
    assert hidden_fields(page)["confirmed"] == ""  # the name check runs again before anything is saved
    assert "You have no payees yet." in page


def test_the_pages_script_can_ask_to_keep_a_form_without_sending_it(app, client, db, customer, dan):
    _, funded, _ = customer
    data = Banking(client).confirm_data(funded.number, dan[1].number, "7.00", "books")
    response = client.post("/transfer/confirm", data={**data, drafts.KEEP_FIELD: "1"})  # still signed in
    assert response.status_code == 303 and response.headers["Location"] == "/transfer"
    assert balance(db, funded.number) == 10_000
    assert 'value="books"' in page_text(client, "/transfer")


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


def test_logged_in_pages_say_when_the_session_ends(app, client, auth, make_user):
    make_user(email="erin@example.com")
    assert not _META.search(page_text(client, "/"))  # nobody logged in: no clock
    auth.login("erin@example.com")
    page = page_text(client, "/dashboard")
    ends = int(_META.search(page).group(1))
    # The token's expiry plus the few seconds of leeway the bank gives it: the first second it refuses.
    assert abs(ends - (time.time() + app.config["TOKEN_TTL"] + tokens.LEEWAY_SECONDS + 1)) <= 2
    assert client.get_cookie("minibank-ends").value == str(ends)
    assert 'data-renew="/session/renew"' in page and 'data-drafts="/payees /transfer /transfer/confirm"' in page
    auth.logout()
    assert client.get_cookie("minibank-ends") is None


def test_stay_signed_in_renews_the_session_and_needs_the_csrf_token(app, client, auth, make_user):
    make_user(email="finn@example.com")
    auth.login("finn@example.com")
    csrf = hidden_fields(page_text(client, "/dashboard"))["csrf_token"]
    before = client.get_cookie("minibank").value
    app.config["TOKEN_TTL"] = 3600  # a renewal now gives an hour: later than the 15 minutes it had
    refused = client.post("/session/renew")
    assert refused.status_code == 400 and client.get_cookie("minibank").value == before

    renewed = client.post("/session/renew", headers={"X-CSRFToken": csrf})
    assert renewed.status_code == 200
    body = renewed.get_json()
    after = client.get_cookie("minibank").value
    claims = tokens.verify(after, keys=app.config["JWT_KEYS"], audience=tokens.AUDIENCE_WEB)
    assert after != before and claims.expires_at >= time.time() + 3600 - 5
    assert body["ends_at"] == claims.expires_at + tokens.LEEWAY_SECONDS + 1 and body["extendable"] is True
    assert client.get_cookie("minibank-ends").value == str(body["ends_at"])
    assert client.get("/dashboard").status_code == 200

    user = make_user(email="gus@example.com")
    end_session(app, client, user)
    assert client.post("/session/renew", headers={"X-CSRFToken": csrf}).status_code == 401


def test_stay_signed_in_stops_at_the_absolute_limit(app, client, auth, make_user):
    make_user(email="hal@example.com")
    auth.login("hal@example.com")
    csrf = hidden_fields(page_text(client, "/dashboard"))["csrf_token"]
    before = client.get_cookie("minibank").value
    app.config["SESSION_MAX_AGE"] = 30  # the session began at login, so it may not last beyond 30 seconds
    body = client.post("/session/renew", headers={"X-CSRFToken": csrf}).get_json()
    assert client.get_cookie("minibank").value == before and body["extendable"] is False


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
