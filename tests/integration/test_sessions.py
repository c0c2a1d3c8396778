"""Sessions and devices: each login is a session its owner can see and end; new devices and password changes are mailed."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from minibank.models import audit_events, sessions, utcnow

from ..support.factories import PASSWORD
from ..support.http import Auth, csrf_token
from ..support.smtp import body_of
from .test_identity_mail import smtp  # noqa: F401  (the fixture: a real SMTP server)

PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
)
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
NEW_PASSWORD = "a brand new passphrase"


def browser(app, user_agent: str, address: str):
    """A browser of its own (a test client with its own cookies) on a device and an address."""
    client = app.test_client()
    client.environ_base.update({"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": address})
    return client


def log_in(client, email: str, password: str = PASSWORD):
    response = Auth(client).login(email, password)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def api_token(client, email: str, *, user_agent: str = "curl/8.5.0", address: str = "203.0.113.9") -> dict:
    response = client.post(
        "/api/v1/auth/token",
        json={"email": email, "password": PASSWORD},
        headers={"User-Agent": user_agent},
        environ_overrides={"REMOTE_ADDR": address},
    )
    assert response.status_code == 200
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


@pytest.fixture
def sara(make_user):
    return make_user(email="sara@example.com", name="Sara")


def test_sessions_are_listed_with_device_and_address_and_this_one_marked(app, client, sara):
    phone = log_in(browser(app, PHONE, "198.51.100.20"), "sara@example.com")
    log_in(browser(app, DESKTOP, "198.51.100.30"), "sara@example.com")
    headers = api_token(client, "sara@example.com")
    listed = client.get("/api/v1/sessions", headers=headers)
    assert listed.status_code == 200
    items = listed.get_json()["items"]
    assert {(i["kind"], i["device"], i["client_ip"], i["current"]) for i in items} == {
        ("web", "Chrome on Android", "198.51.100.20", False),
        ("web", "Firefox on Linux", "198.51.100.30", False),
        ("api", "curl", "203.0.113.9", True),
    }
    page = phone.get("/settings/sessions").get_data(as_text=True)
    assert "Chrome on Android" in page and "Firefox on Linux" in page and "198.51.100.30" in page
    assert page.count("This device") == 1 and "Sign out of all other sessions" in page
    assert "/settings/sessions" in phone.get("/settings/password").get_data(as_text=True)


def test_signing_out_one_session_refuses_its_tokens_at_once_and_keeps_the_others(app, client, db, sara):
    phone = log_in(browser(app, PHONE, "198.51.100.20"), "sara@example.com")
    desktop = log_in(browser(app, DESKTOP, "198.51.100.30"), "sara@example.com")
    first, second = api_token(client, "sara@example.com"), api_token(client, "sara@example.com")
    items = client.get("/api/v1/sessions", headers=first).get_json()["items"]
    desktop_id = next(i["id"] for i in items if i["device"] == "Firefox on Linux")
    second_id = next(i["id"] for i in items if i["kind"] == "api" and not i["current"])

    # On the web, from the phone: the desktop's cookie stops working on its next request.
    ended = phone.post(
        f"/settings/sessions/{desktop_id}/end", data={"csrf_token": csrf_token(phone, "/settings/sessions")}
    )
    assert ended.status_code == 303 and ended.headers["Location"] == "/settings/sessions"
    assert desktop.get("/dashboard").status_code == 303  # to the login page
    assert phone.get("/dashboard").status_code == 200
    # On the API: the other token is refused at once, this one still works.
    assert client.delete(f"/api/v1/sessions/{second_id}", headers=first).status_code == 204
    assert client.get("/api/v1/me", headers=second).status_code == 401
    assert client.get("/api/v1/me", headers=first).status_code == 200
    again = client.delete(f"/api/v1/sessions/{second_id}", headers=first)
    assert again.status_code == 404 and again.get_json()["code"] == "not_found"
    events = db.read(lambda c: c.execute(select(audit_events.c.event)).scalars().all())
    assert events.count("session.ended") == 2


def test_signing_out_every_other_session(app, client, sara):
    phone = log_in(browser(app, PHONE, "198.51.100.20"), "sara@example.com")
    desktop = log_in(browser(app, DESKTOP, "198.51.100.30"), "sara@example.com")
    headers = api_token(client, "sara@example.com")
    done = phone.post("/settings/sessions/end-others", data={"csrf_token": csrf_token(phone, "/settings/sessions")})
    assert done.status_code == 303
    assert "Signed out of 2 other sessions" in phone.get("/settings/sessions").get_data(as_text=True)
    assert desktop.get("/dashboard").status_code == 303
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert phone.get("/dashboard").status_code == 200
    page = phone.get("/settings/sessions").get_data(as_text=True)
    assert "You are signed in on this device only" in page and "Firefox on Linux" not in page
    # The same through the API.
    log_in(desktop, "sara@example.com")
    mine = api_token(client, "sara@example.com")
    answer = client.delete("/api/v1/sessions", headers=mine)
    assert answer.status_code == 200 and answer.get_json() == {"ended": 2}
    assert desktop.get("/dashboard").status_code == 303 and phone.get("/dashboard").status_code == 303
    assert [i["current"] for i in client.get("/api/v1/sessions", headers=mine).get_json()["items"]] == [True]


def test_someone_elses_session_is_a_404(app, client, make_user, sara):
    make_user(email="tom@example.com")
    toms = api_token(client, "tom@example.com")
    saras = api_token(client, "sara@example.com")
    [tom_session] = client.get("/api/v1/sessions", headers=toms).get_json()["items"]
    refused = client.delete(f"/api/v1/sessions/{tom_session['id']}", headers=saras)
    assert refused.status_code == 404
    assert client.get("/api/v1/me", headers=toms).status_code == 200
    assert [i["id"] for i in client.get("/api/v1/sessions", headers=saras).get_json()["items"]] != [tom_session["id"]]
    phone = log_in(browser(app, PHONE, "198.51.100.20"), "sara@example.com")
    web = phone.post(
        f"/settings/sessions/{tom_session['id']}/end", data={"csrf_token": csrf_token(phone, "/settings/sessions")}
    )
    assert web.status_code == 404
    for bad in ("short", "x" * 40, "not-a-session-id-at-all"):
        assert client.delete(f"/api/v1/sessions/{bad}", headers=saras).status_code == 404


def test_last_use_is_written_at_most_once_a_minute(app, client, db, sara):
    headers = api_token(client, "sara@example.com")
    last_used = select(sessions.c.last_used_at)
    started = db.read(lambda c: c.execute(last_used).scalar_one())
    for _ in range(5):
        assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert db.read(lambda c: c.execute(last_used).scalar_one()) == started  # no write per request
    earlier = utcnow() - timedelta(minutes=2)
    db.write(lambda c: c.execute(update(sessions).values(last_used_at=earlier)))
    client.get("/api/v1/me", headers=headers, environ_overrides={"REMOTE_ADDR": "203.0.113.77"})
    touched = db.read(lambda c: c.execute(select(sessions.c.last_used_at, sessions.c.client_ip)).one())
    assert touched.last_used_at > earlier + timedelta(minutes=1) and touched.client_ip == "203.0.113.77"
    client.get("/api/v1/me", headers=headers)
    assert db.read(lambda c: c.execute(last_used).scalar_one()) == touched.last_used_at


def test_logout_ends_the_session_and_a_password_change_ends_all(app, client, db, sara, smtp):  # noqa: F811
    phone = log_in(browser(app, PHONE, "198.51.100.20"), "sara@example.com")
    desktop = log_in(browser(app, DESKTOP, "198.51.100.30"), "sara@example.com")
    headers = api_token(client, "sara@example.com")
    Auth(desktop).logout()
    open_ones = select(sessions.c.device).where(sessions.c.ended_at.is_(None))
    assert "Firefox on Linux" not in db.read(lambda c: c.execute(open_ones).scalars().all())
    changed = Auth(phone).post_form(
        "/settings/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_new_password": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert phone.get("/dashboard").status_code == 200  # this browser goes on, in a new session
    assert db.read(lambda c: c.execute(open_ones).scalars().all()) == ["Chrome on Android"]
    inbox = smtp.deliver()
    *new_devices, mail = inbox.to("sara@example.com")  # the desktop and curl were new devices
    assert [m["Subject"] for m in new_devices] == ["A new sign-in to your miniBank login"] * 2
    assert mail["Subject"] == "Your miniBank password was changed"
    assert "just changed" in body_of(mail) and NEW_PASSWORD not in mail.as_string()
    assert smtp.deliver() is inbox and len(inbox.messages) == 3  # each once


def test_a_new_device_is_mailed_once_and_a_known_one_not(app, client, db, sara, smtp):  # noqa: F811
    log_in(browser(app, PHONE, "198.51.100.20"), "sara@example.com")  # the first login is no news
    log_in(browser(app, PHONE, "198.51.100.21"), "sara@example.com")  # the same device
    assert smtp.deliver().messages == []
    log_in(browser(app, DESKTOP, "198.51.100.30"), "sara@example.com")
    api_token(client, "sara@example.com", user_agent=DESKTOP)  # the same device through the API
    inbox = smtp.deliver()
    [mail] = inbox.messages
    assert mail["To"] == "sara@example.com" and mail["Subject"] == "A new sign-in to your miniBank login"
    text = body_of(mail)
    assert "Firefox on Linux" in text and "198.51.100.30" in text and "/settings/sessions" in text
    assert "token" not in mail.as_string().lower() and PASSWORD not in mail.as_string()
    assert smtp.deliver() is inbox and len(inbox.messages) == 1
    events = db.read(lambda c: c.execute(select(audit_events.c.event)).scalars().all())
    assert events.count("session.new_device") == 1 and events.count("login.succeeded") == 4


def test_tokens_from_before_sessions_keep_working_until_they_expire(app, client, sara):
    from minibank.security import tokens

    token, _ = tokens.issue(
        user_id=sara.id, token_version=0, keys=app.config["JWT_KEYS"], ttl=600, audience=tokens.AUDIENCE_API
    )
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert [i["current"] for i in client.get("/api/v1/sessions", headers=headers).get_json()["items"]] == []
    assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_web_renewal_keeps_the_session_and_an_old_web_token_is_given_one(app, db, sara):
    import re

    from minibank.security import tokens

    phone = log_in(browser(app, PHONE, "198.51.100.20"), "sara@example.com")
    before = tokens.verify(
        phone.get_cookie("minibank").value, keys=app.config["JWT_KEYS"], audience=tokens.AUDIENCE_WEB
    )
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', phone.get("/dashboard").get_data(as_text=True))[1]
    assert phone.post("/session/renew", headers={"X-CSRFToken": csrf}).status_code == 200
    after = tokens.verify(phone.get_cookie("minibank").value, keys=app.config["JWT_KEYS"], audience=tokens.AUDIENCE_WEB)
    assert after.jti != before.jti and after.session_id == before.session_id is not None
    # A cookie from before sessions works, and its renewal starts a session for it.
    old, _ = tokens.issue(
        user_id=sara.id, token_version=0, keys=app.config["JWT_KEYS"], ttl=600, audience=tokens.AUDIENCE_WEB
    )
    desktop = browser(app, DESKTOP, "198.51.100.30")
    desktop.set_cookie("minibank", old)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', desktop.get("/dashboard").get_data(as_text=True))[1]
    assert desktop.post("/session/renew", headers={"X-CSRFToken": csrf}).status_code == 200
    adopted = tokens.verify(
        desktop.get_cookie("minibank").value, keys=app.config["JWT_KEYS"], audience=tokens.AUDIENCE_WEB
    )
    assert adopted.session_id is not None
    assert "Firefox on Linux" in phone.get("/settings/sessions").get_data(as_text=True)


def test_the_ledger_refuses_a_move_from_a_session_ended_meanwhile(db, make_user, make_account):
    from minibank.domain import errors
    from minibank.mail.links import Links
    from minibank.security import tokens
    from minibank.services import sessions as sessions_service
    from minibank.services import transfers

    owner = make_user()
    source, destination = make_account(owner=owner, balance=10_000), make_account()
    opening = sessions_service.Opening(kind="api", user_agent=DESKTOP, ttl=600, links=Links())
    session_id = sessions_service.open_session(db, user_id=owner.id, opening=opening, client_ip=None)
    _, claims = tokens.issue(
        user_id=owner.id,
        token_version=0,
        keys=[("k", "k" * 64)],
        ttl=60,
        audience=tokens.AUDIENCE_API,
        session_id=session_id,
    )

    def send():
        return transfers.transfer(
            db, actor_id=owner.id, source=source.number, destination=destination.number, amount=100, session=claims
        )

    send()
    # Ended after the request's own check passed: the ledger checks again under the customer's lock.
    sessions_service.end(db, user_id=owner.id, session_id=session_id)
    with pytest.raises(errors.Unauthenticated):
        send()


def test_disabling_a_user_ends_their_sessions(client, db, make_user, sara):
    from minibank.services import auth as auth_service

    headers = api_token(client, "sara@example.com")
    auth_service.set_status(db, user_id=sara.id, status="disabled", actor_id=None)
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert db.read(lambda c: c.execute(select(sessions.c.ended_at)).scalar_one()) is not None
