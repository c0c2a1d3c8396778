"""Role × action: every back-office endpoint and page, tried by a customer, a teller, a supervisor, an
auditor and a visitor. Allowed ones work; refused ones are 403 (the API) or a friendly 403 page (the web),
401 or the login page for a visitor; and a refused write changes nothing."""

import pytest
from sqlalchemy import select

from minibank.models import accounts, users
from minibank.services import staff, transfers

from ..support.factories import PASSWORD
from ..support.http import csrf_token
from ..support.ledger import snapshot

T, S, A = "teller", "supervisor", "auditor"
ROLES = ["customer", T, S, A, "anonymous"]


@pytest.fixture
def target(db, make_user, make_account):
    """Makes a fresh customer for one action: (user, an account of 10.00, an empty one, a frozen one)."""
    frozen_by = make_user(role=S)

    def make():
        user = make_user(name="Target Customer")
        funded = make_account(owner=user, balance=1_000)
        empty, frozen = make_account(owner=user), make_account(owner=user)
        staff.freeze(db, number=frozen.number, actor_id=frozen_by.id)
        return user, funded.number, empty.number, frozen.number

    return make


def state(db) -> dict:
    """Money, and every account's and login's status: what a refused write must leave alone."""

    def work(conn):
        return {
            "accounts": sorted(conn.execute(select(accounts.c.number, accounts.c.status)).all()),
            "users": sorted(conn.execute(select(users.c.id, users.c.status, users.c.token_version)).all()),
        }

    return {**snapshot(db), **db.read(work)}


# (name, method, path, JSON body, who may, the answer that shows it worked)
API_ACTIONS = [
    ("deposit", "POST", "/admin/deposits", {"account": "{funded}", "amount": "1.00"}, {T, S}, 201),
    ("withdraw", "POST", "/admin/withdrawals", {"account": "{funded}", "amount": "1.00"}, {T, S}, 201),
    ("audit", "GET", "/admin/audit", None, {S, A}, 200),
    ("search", "GET", "/admin/customers?q=target", None, {T, S, A}, 200),
    ("customer", "GET", "/admin/customers/{user}", None, {T, S, A}, 200),
    ("freeze", "POST", "/admin/accounts/{funded}/freeze", None, {S}, 200),
    ("unfreeze", "POST", "/admin/accounts/{frozen}/unfreeze", None, {S}, 200),
    ("close", "POST", "/admin/accounts/{empty}/close", None, {S}, 200),
    ("disable", "POST", "/admin/users/{user}/disable", None, {S}, 200),
    ("enable", "POST", "/admin/users/{user}/enable", None, {S}, 200),
    ("end sessions", "POST", "/admin/users/{user}/end-sessions", None, {S}, 200),
]


def fill(text: str, user, funded, empty, frozen) -> str:
    return text.format(user=user.id, funded=funded, empty=empty, frozen=frozen)


def caller_headers(auth, make_user, role) -> dict:
    if role == "anonymous":
        return {}
    user = make_user(role=role, email=f"{role}.caller@bank.example")
    return {"Authorization": f"Bearer {auth.token(user.email, PASSWORD)}"}


@pytest.mark.parametrize("role", ROLES)
def test_every_api_action_by_every_role(client, db, auth, make_user, target, role):
    headers = caller_headers(auth, make_user, role)
    for name, method, path, body, allowed, worked in API_ACTIONS:
        user, funded, empty, frozen = target()
        json = {key: fill(value, user, funded, empty, frozen) for key, value in body.items()} if body else None
        before = state(db)
        response = client.open(
            "/api/v1" + fill(path, user, funded, empty, frozen), method=method, json=json, headers=headers
        )
        if role == "anonymous":
            assert response.status_code == 401, name
        elif role in allowed:
            assert response.status_code == worked, (name, response.get_json())
        else:
            assert (response.status_code, response.get_json()["code"]) == (403, "forbidden"), name
        if response.status_code in (401, 403):
            assert state(db) == before, name


# (name, method, path, form fields, who may, the answer that shows it worked)
WEB_ACTIONS = [
    ("home", "GET", "/admin", None, {T, S, A}, 200),
    ("search", "GET", "/admin?q=target", None, {T, S, A}, 200),
    ("customer", "GET", "/admin/customers/{user}", None, {T, S, A}, 200),
    ("history", "GET", "/admin/accounts/{funded}", None, {T, S, A}, 200),
    ("receipt", "GET", "/admin/transfers/{transfer}", None, {T, S, A}, 200),
    ("cash form", "GET", "/admin/cash", None, {T, S}, 200),
    (
        "cash review",
        "POST",
        "/admin/cash",
        {"kind": "deposit", "account": "{funded}", "amount": "1.00", "token": "t"},
        {T, S},
        303,
    ),
    (
        "cash confirm",
        "POST",
        "/admin/cash/confirm",
        {"kind": "withdrawal", "account": "{funded}", "amount": "1.00", "token": "tok-{user}"},
        {T, S},
        303,
    ),
    ("audit", "GET", "/admin/audit", None, {S, A}, 200),
    ("freeze", "POST", "/admin/accounts/{funded}/freeze", {}, {S}, 303),
    ("unfreeze", "POST", "/admin/accounts/{frozen}/unfreeze", {}, {S}, 303),
    ("close", "POST", "/admin/accounts/{empty}/close", {}, {S}, 303),
    ("disable", "POST", "/admin/customers/{user}/disable", {}, {S}, 303),
    ("enable", "POST", "/admin/customers/{user}/enable", {}, {S}, 303),
    ("end sessions", "POST", "/admin/customers/{user}/end-sessions", {}, {S}, 303),
]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_button_by_every_role(client, db, auth, make_user, target, role):
    if role != "anonymous":
        auth.login(make_user(role=role, email=f"{role}.web@bank.example").email)
    token = csrf_token(client, "/settings/password" if role != "anonymous" else "/")
    for name, method, path, form, allowed, worked in WEB_ACTIONS:
        user, funded, empty, frozen = target()
        receipt = transfers.deposit(db, account=funded, amount=1, memo="for the receipt").transfer.id
        values = {"user": user.id, "funded": funded, "empty": empty, "frozen": frozen, "transfer": receipt}
        data = {key: value.format(**values) for key, value in form.items()} if form is not None else None
        before = state(db)
        if method == "GET":
            response = client.get(path.format(**values))
        else:
            response = client.post(path.format(**values), data={**(data or {}), "csrf_token": token})
        page = response.get_data(as_text=True)
        if role == "anonymous":
            # A visitor is sent to log in; nothing of the back office is shown.
            assert response.status_code == 303 and not response.headers["Location"].startswith("/admin"), name
        elif role in allowed:
            assert response.status_code == worked, (name, page[:2000])
        else:
            assert response.status_code == 403 and "You do not have access to this page" in page, name
        if role not in allowed or role == "anonymous":
            assert state(db) == before, name
