"""Registration, login, logout, password change and the session cookie."""

import pytest
from sqlalchemy import select

from minibank.models import users
from minibank.services import auth as auth_service

from ..support.factories import PASSWORD
from ..support.web import Banking


def register(auth, email="new@example.com", name="New Customer", password="a long passphrase here", **extra):
    fields = {"email": email, "name": name, "password": password, "confirm_password": password}
    return auth.post_form("/register", {**fields, **extra})


def stored_hash(db, email):
    return db.read(lambda c: c.execute(select(users.c.password_hash).where(users.c.email == email)).scalar_one())


def test_register_says_check_your_inbox_without_logging_in_and_hashes_with_argon2id(client, auth, db):
    response = register(auth)
    assert response.status_code == 303 and response.headers["Location"].endswith("/register/check-inbox")
    assert "Check your inbox" in client.get("/register/check-inbox").get_data(as_text=True)
    assert client.get("/dashboard").status_code == 303  # not logged in: log in once registered
    assert stored_hash(db, "new@example.com").startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert auth.login("new@example.com", "a long passphrase here").status_code == 303


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short pass", "at least 12"),
        ("x" * 257, "at most 256"),
        ("passwordpassword", "too common"),
        ("qwerty123456", "too common"),
        ("Password2024!", "too common"),
    ],
)
def test_weak_passwords_are_refused(client, auth, db, password, message):
    response = register(auth, password=password)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.read(lambda c: c.execute(select(users.c.id)).first()) is None


def test_any_unicode_password_is_accepted(auth):
    assert register(auth, password="пароль-日本語-🔑-mot").status_code == 303


def test_emails_are_unique_case_insensitively_and_a_taken_one_answers_like_a_new_one(auth, db, make_user):
    make_user(email="taken@example.com")
    taken = register(auth, email="Taken@Example.COM")
    new = register(auth, email="fresh@example.com")
    assert (taken.status_code, taken.headers["Location"]) == (new.status_code, new.headers["Location"])
    assert db.read(lambda c: c.execute(select(users.c.id).where(users.c.email == "taken@example.com")).all()) != []
    assert len(db.read(lambda c: c.execute(select(users.c.id)).all())) == 2


def test_a_form_cannot_set_the_role(auth, db):
    register(auth, role="admin")
    assert db.read(lambda c: c.execute(select(users.c.role)).scalar_one()) == "customer"


def test_wrong_password_unknown_email_and_disabled_user_look_the_same(client, db, make_user):
    make_user(email="known@example.com")
    disabled = make_user(email="disabled@example.com")
    auth_service.set_status(db, user_id=disabled.id, status="disabled", actor_id=None)
    answers = []
    for email, password in [
        ("known@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
        ("disabled@example.com", PASSWORD),
    ]:
        response = client.post("/api/v1/auth/token", json={"email": email, "password": password})
        body = response.get_json()
        body.pop("request_id", None)
        answers.append((response.status_code, body))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 401


def test_login_rehashes_when_the_cost_changes(app, auth, db, make_user):
    make_user(email="old@example.com")
    from minibank.security import passwords

    passwords.configure(memory_kib=20 * 1024, time_cost=2, parallelism=1)
    try:
        assert auth.login("old@example.com").status_code == 303
        assert "$m=20480,t=2,p=1$" in stored_hash(db, "old@example.com")
    finally:
        passwords.configure(memory_kib=19 * 1024, time_cost=2, parallelism=1)


def test_login_issues_a_new_session_and_hardened_cookie(client, auth, make_user):
    make_user(email="erin@example.com")
    client.get("/")
    before = client.get_cookie("session")
    response = auth.login("erin@example.com")
    cookies = response.headers.getlist("Set-Cookie")
    token_cookie = next(c for c in cookies if c.startswith("minibank="))
    assert "HttpOnly" in token_cookie and "SameSite=Lax" in token_cookie and "Path=/" in token_cookie
    assert client.get_cookie("session") is None  # the pre-login session (and its CSRF secret) is gone
    page = client.get("/dashboard").get_data(as_text=True)
    assert client.get_cookie("session").value != before.value
    assert client.get_cookie("minibank").value not in page  # never in a page


def test_logout_revokes_the_token_at_once(client, auth, make_user):
    make_user(email="finn@example.com")
    auth.login("finn@example.com")
    stolen = client.get_cookie("minibank").value
    assert auth.logout().status_code == 303
    client.set_cookie("minibank", stolen)
    assert client.get("/dashboard").status_code == 303  # sent to the login page


def test_logout_is_post_only_and_needs_the_csrf_token(client, auth, make_user):
    make_user(email="gus@example.com")
    auth.login("gus@example.com")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200  # still logged in


def test_a_foreign_csrf_token_is_refused(app, client, auth, make_user):
    make_user(email="hal@example.com")
    auth.login("hal@example.com")
    from ..support.http import csrf_token

    other = app.test_client()
    foreign = csrf_token(other, "/")
    assert client.post("/logout", data={"csrf_token": foreign}).status_code == 400
    assert client.get("/dashboard").status_code == 200


def test_password_change_needs_the_current_one_and_revokes_other_tokens(client, auth, make_user):
    make_user(email="ivy@example.com")
    api_headers = auth.bearer("ivy@example.com")
    auth.login("ivy@example.com")
    refused = auth.post_form(
        "/settings/password",
        {
            "current_password": "not it at all",
            "new_password": "a new long passphrase",
            "confirm_new_password": "a new long passphrase",
        },
    )
    assert refused.status_code == 422 and "current password is incorrect" in refused.get_data(as_text=True)
    assert client.get("/api/v1/me", headers=api_headers).status_code == 200
    changed = auth.post_form(
        "/settings/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new long passphrase",
            "confirm_new_password": "a new long passphrase",
        },
    )
    assert changed.status_code == 303
    assert client.get("/api/v1/me", headers=api_headers).status_code == 401
    assert client.get("/dashboard").status_code == 200  # this browser got a fresh session
    assert auth.bearer("ivy@example.com", "a new long passphrase")


def test_api_never_reads_the_cookie(client, auth, make_user):
    make_user(email="jo@example.com")
    auth.login("jo@example.com")
    assert client.get("/api/v1/me").status_code == 401
    web_token = client.get_cookie("minibank").value
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {web_token}"}).status_code == 401


def renewed(response) -> bool:
    return any(
        c.startswith("minibank=") and not c.startswith("minibank=;") for c in response.headers.getlist("Set-Cookie")
    )


def test_only_a_checked_session_on_an_accepted_request_is_renewed(app, client, auth, make_user, make_account):
    make_account(owner=make_user(email="hal@example.com"), balance=100)
    auth.login("hal@example.com")
    form = Banking(client).form_tokens()
    app.config["TOKEN_TTL"] = 3600  # the 900-second token is now past half its life: renewal is due
    refused = client.post("/transfer", data={"from": "1", "to": "2", "amount": "nonsense", **form})
    assert refused.status_code >= 400 and not renewed(refused)
    assert client.post("/logout").status_code == 400  # no CSRF token: refused, and no fresh cookie
    assert not renewed(client.post("/logout"))
    assert not renewed(client.post("/transfer", data={"amount": "1"}))
    assert not renewed(client.get("/no-such-page"))
    anonymous = app.test_client()
    assert not renewed(anonymous.post("/logout")) and not renewed(anonymous.get("/"))
    assert renewed(client.get("/dashboard"))  # the session itself keeps sliding while in use


def test_wrong_current_passwords_count_with_failed_logins(app, client, auth, make_user):
    make_user(email="ida@example.com")
    auth.login("ida@example.com")
    statuses = [
        auth.post_form(
            "/settings/password",
            {
                "current_password": f"wrong guess number {n}",
                "new_password": "another long passphrase",
                "confirm_new_password": "another long passphrase",
            },
        ).status_code
        for n in range(6)
    ]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429  # the login's lockout: 5 per 5 minutes
    refused = auth.post_form(
        "/settings/password",
        {
            "current_password": PASSWORD,
            "new_password": "another long passphrase",
            "confirm_new_password": "another long passphrase",
        },
    )
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0  # even the right one waits
    throttle = app.extensions["minibank.login_throttle"]
    assert throttle.retry_after("ida@example.com", "127.0.0.1") is not None  # the login's count, from this address
    assert throttle.retry_after("ida@example.com", "10.0.0.2") is None  # and only this one
