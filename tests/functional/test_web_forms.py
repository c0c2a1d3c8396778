"""The forms' common behaviour: password confirmation, the error summary, error pages with the menu, flashes."""

import html
import re

import pytest
from sqlalchemy import select

from minibank.domain.errors import Forbidden
from minibank.models import users
from minibank.services import payees

from ..support.factories import PASSWORD
from ..support.http import csrf_token
from ..support.web import Banking, hidden_fields

MISMATCH = "The two passwords do not match."
NAV = 'aria-label="Main"'
_SUMMARY = re.compile(r"<div [^>]*data-error-summary>(.*?)</ul>", re.S)
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def summary_of(page: str) -> tuple[list[str | None], list[str]]:
    """The error summary's items: the field each links to (None for a form's own error), and its text."""
    found = _SUMMARY.search(page)
    assert found, "no error summary on the page"
    items = re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    targets = [m.group(1) if (m := re.match(r'<a href="#([^"]+)">', item)) else None for item in items]
    texts = [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]
    return targets, texts


def title_of(page: str) -> str:
    """The page's <title> text."""
    found = _TITLE.search(page)
    assert found
    return html.unescape(found.group(1)).strip()


def stored_hash(db, email):
    return db.read(lambda c: c.execute(select(users.c.password_hash).where(users.c.email == email)).scalar())


# Password confirmation


def test_registration_refuses_a_confirmation_that_differs_and_creates_no_one(client, auth, db):
    fields = {"email": "new@example.com", "name": "New", "password": "a long passphrase here"}
    response = auth.post_form("/register", {**fields, "confirm_password": "a long passphrase hare"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and MISMATCH in page
    assert 'id="confirm_password-error"' in page and 'aria-invalid="true"' in page
    assert summary_of(page) == (["confirm_password"], [MISMATCH])
    assert "a long passphrase" not in page  # neither password comes back in the page
    assert stored_hash(db, "new@example.com") is None and client.get("/dashboard").status_code == 303


def test_registration_needs_the_confirmation(auth, db):
    fields = {"email": "new@example.com", "name": "New", "password": "a long passphrase here"}
    response = auth.post_form("/register", fields)
    assert response.status_code == 422 and summary_of(response.get_data(as_text=True))[0] == ["confirm_password"]
    assert stored_hash(db, "new@example.com") is None


def test_a_password_change_with_a_differing_confirmation_changes_nothing(client, auth, db, make_user):
    make_user(email="ivy@example.com")
    auth.login("ivy@example.com")
    before = stored_hash(db, "ivy@example.com")
    data = {"current_password": PASSWORD, "new_password": "a new long passphrase"}
    response = auth.post_form("/settings/password", {**data, "confirm_new_password": "a new long passphrasе"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and MISMATCH in page and 'id="confirm_new_password-error"' in page
    assert stored_hash(db, "ivy@example.com") == before
    assert client.get("/dashboard").status_code == 200  # still logged in, with the same password
    assert auth.bearer("ivy@example.com", PASSWORD)


def test_the_api_registration_needs_no_confirmation(client):
    body = {"email": "api@example.com", "name": "Api", "password": "a long passphrase here"}
    assert client.post("/api/v1/auth/register", json=body).status_code == 202


# The error summary on every form


@pytest.fixture
def dan(make_user, make_account):
    """Another customer's account, held by Dan Secretname."""
    return make_account(owner=make_user(email="dan@example.com", name="Dan Secretname"))


def _not_acknowledged(client, auth, customer, dan):
    _, funded, _ = customer
    data = {"from": funded.number, "to": dan.number, "amount": "1.00", "memo": "", "payee_name": "Bob Builder"}
    checked = client.post("/transfer", data={**data, **Banking(client).form_tokens()}, follow_redirects=True)
    return client.post("/transfer/confirm", data=hidden_fields(checked.get_data(as_text=True)))


# (what is sent, the expected status, the fields the summary links to, a form's own error or None, the page's title)
FORMS = {
    "login, empty": (
        lambda client, auth, customer, dan: auth.post_form(
            "/login", {"email": "", "password": ""}, form_page="/dashboard"
        ),
        400,
        ["email", "password"],
        None,
        "Log in",
    ),
    "login, wrong password": (
        lambda client, auth, customer, dan: auth.post_form(
            "/login", {"email": "carol@example.com", "password": "not the password"}, form_page="/dashboard"
        ),
        401,
        [None],
        "incorrect",
        "Log in",
    ),
    "register": (
        lambda client, auth, customer, dan: auth.post_form("/register", {"email": "", "name": "", "password": "x"}),
        422,
        ["email", "name", "confirm_password"],
        None,
        "Register",
    ),
    "password": (
        lambda client, auth, customer, dan: auth.post_form("/settings/password", {"new_password": "x"}),
        422,
        ["current_password", "confirm_new_password"],
        None,
        "Change password",
    ),
    "transfer": (
        lambda client, auth, customer, dan: Banking(client).review(customer[1].number, "", "abc"),
        422,
        ["to", "amount"],
        None,
        "Transfer money",
    ),
    "transfer confirm": (_not_acknowledged, 422, [None], "tick the box", "Confirm the transfer"),
    "payees": (
        lambda client, auth, customer, dan: auth.post_form("/payees", {"name": "", "account_number": "12"}),
        422,
        ["name", "account_number"],
        None,
        "Payees",
    ),
    "statement": (
        lambda client, auth, customer, dan: client.get(
            f"/accounts/{customer[1].number}/statement.csv?from=2025-02-30&to=2024-01-01"
        ),
        400,
        ["from"],
        None,
        "Checking",
    ),
    "open account": (
        lambda client, auth, customer, dan: auth.post_form("/accounts", {"name": ""}, form_page="/dashboard"),
        422,
        ["name"],
        None,
        "Your accounts",
    ),
}


@pytest.mark.parametrize("case", FORMS.values(), ids=FORMS.keys())
def test_a_form_with_errors_lists_each_at_the_top_linked_to_its_field(client, auth, customer, dan, case):
    send, status, targets, own_error, title = case
    response = send(client, auth, customer, dan)
    page = response.get_data(as_text=True)
    assert response.status_code == status, page
    linked, texts = summary_of(page)
    assert linked == targets and all(texts)
    assert "There is a problem" in page and 'tabindex="-1"' in page
    for target in filter(None, targets):
        assert f'id="{target}"' in page and f'id="{target}-error"' in page  # the field is there to go to
    if own_error:
        assert own_error in texts[0]
    assert title_of(page) == f"Error: {title} · miniBank"


@pytest.mark.parametrize("path", ["/", "/register"])
def test_a_form_without_errors_has_no_summary_and_a_plain_title(client, path):
    page = client.get(path).get_data(as_text=True)
    assert "data-error-summary" not in page and "There is a problem" not in page
    assert not title_of(page).startswith("Error")


def test_pages_with_a_form_and_no_errors_have_no_summary(client, customer):
    _, funded, _ = customer
    for path in ("/dashboard", f"/accounts/{funded.number}", "/transfer", "/payees", "/settings/password"):
        page = client.get(path).get_data(as_text=True)
        assert "data-error-summary" not in page and not title_of(page).startswith("Error"), path


# Error pages keep the menu for a logged-in customer


@pytest.fixture
def app(app):
    """The test app with a page that refuses everyone (miniBank's own pages have no 403 yet)."""

    def refuse():
        raise Forbidden()

    app.add_url_rule("/tellers-only", "tellers_only", refuse)
    return app


def _csrf_failure(client):
    return client.post("/transfer", data={"amount": "1.00"})


ERRORS = {
    "403": (lambda client: client.get("/tellers-only"), 403),
    "404": (lambda client: client.get("/no-such-page"), 404),
    "404 of a page's own": (lambda client: client.get("/transfers/999999"), 404),
    "405": (lambda client: client.get("/logout"), 405),
    "CSRF": (_csrf_failure, 400),
}


@pytest.mark.parametrize("case", ERRORS.values(), ids=ERRORS.keys())
def test_error_pages_keep_the_menu_for_a_logged_in_customer(client, customer, case):
    ask, status = case
    response = ask(client)
    page = response.get_data(as_text=True)
    assert response.status_code == status and response.mimetype == "text/html"
    assert NAV in page and "Log out" in page and 'href="/dashboard"' in page
    assert 'name="csrf_token"' in page  # the logout button works from the error page


@pytest.mark.parametrize("case", ERRORS.values(), ids=ERRORS.keys())
def test_error_pages_have_no_menu_for_a_visitor(app, case):
    ask, status = case
    response = ask(app.test_client())
    page = response.get_data(as_text=True)
    assert response.status_code in (status, 303) and NAV not in page and "Log out" not in page


@pytest.mark.parametrize("cookie", ["not-a-token", "a.b.c", "eyJhbGciOiJIUzI1NiJ9." * 3, "x" * 3000])
def test_a_broken_session_cookie_still_gets_the_error_page(app, cookie):
    client = app.test_client()
    client.set_cookie("minibank", cookie)
    for response in (client.get("/no-such-page"), client.get("/logout"), _csrf_failure(client)):
        assert 400 <= response.status_code < 500 and response.mimetype == "text/html"
        assert NAV not in response.get_data(as_text=True)


def test_an_error_page_whose_session_cannot_be_read_shows_without_the_menu(client, customer, monkeypatch):
    from minibank.web import session

    def unreadable(*args, **kwargs):
        raise RuntimeError("the session store is down")

    monkeypatch.setattr(session, "user_from_token", unreadable)
    response = client.get("/no-such-page")
    assert response.status_code == 404 and NAV not in response.get_data(as_text=True)


def test_the_api_answers_problem_json_as_before(client, customer):
    for response in (client.get("/api/v1/no-such-thing"), client.post("/api/v1/accounts", data="x")):
        body = response.get_json()
        assert response.mimetype == "application/problem+json" and body["status"] == response.status_code
        assert set(body) <= {"type", "title", "status", "detail", "code", "request_id", "errors"}


# Post/redirect/get for Check and confirm; the success message once, on its receipt


def test_check_and_confirm_is_a_page_of_its_own_and_leads_to_the_receipt_once_sent(client, customer, dan):
    _, funded, _ = customer
    banking = Banking(client)
    data = {"from": funded.number, "to": dan.number, "amount": "2.00", "memo": "tea", **banking.form_tokens()}
    checked = client.post("/transfer", data=data)
    assert checked.status_code == 303 and checked.headers["Location"] == "/transfer/confirm"
    page = client.get("/transfer/confirm").get_data(as_text=True)  # a reload (or Back) shows it again
    assert "Confirm and send" in page and "2.00 USD" in page and "tea" in page
    sent = banking.confirm(hidden_fields(page))
    assert sent.status_code == 303 and sent.headers["Location"].startswith("/transfers/")
    back = client.get("/transfer/confirm")  # Back from the receipt: the receipt, not the form again
    assert back.status_code == 303 and back.headers["Location"] == sent.headers["Location"]


def test_check_and_confirm_without_a_form_checked_goes_to_the_form(client, customer):
    response = client.get("/transfer/confirm")
    assert response.status_code == 303 and response.headers["Location"] == "/transfer"


def test_the_success_message_shows_once_on_its_receipt(client, customer, dan, db):
    user, funded, _ = customer
    banking = Banking(client)
    page = banking.review(funded.number, dan.number, "3.00").get_data(as_text=True)
    data = hidden_fields(page)
    data.update({"payee_name": "Dan Secretname", "save_payee": "y"})
    sent = banking.confirm(data)
    receipt = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert receipt.count("Sent 3.00 USD to account") == 1 and "Transfer sent" in receipt
    assert receipt.count("Saved Dan Secretname as a payee.") == 1
    assert [p.name for p in payees.list_for_owner(db, owner_id=user.id)] == ["Dan Secretname"]
    for path in ("/dashboard", sent.headers["Location"]):  # the next page, and the receipt again
        later = client.get(path).get_data(as_text=True)
        assert "Sent 3.00" not in later and "Saved Dan" not in later and 'class="flash' not in later


def test_the_csrf_token_on_an_error_page_is_a_working_one(client, customer):
    token = csrf_token(client, "/no-such-page")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
