"""Two-factor authentication on the web and the API, on both engines: set-up, the two-step login, codes."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from minibank import create_app
from minibank.extensions import db as app_db
from minibank.mail.links import Links
from minibank.models import audit_events, mail_outbox, totp_credentials
from minibank.services import second_factor, two_factor, users

from ..support.databases import DATABASES, database_url_for
from ..support.factories import PASSWORD
from ..support.http import csrf_token
from ..support.production import SECRET
from ..support.web import Banking, hidden_fields
from . import test_web_session_expiry as expiry

NOW = 1_800_000_015.0  # the middle of a time step


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """Each test here runs on SQLite and on PostgreSQL."""
    return database_url_for(request.param, request, tmp_path)


class Clock:
    """The clock the code check reads, fixed until moved (no sleeping)."""

    def __init__(self):
        self.now = NOW

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(second_factor, "time", fake)
    monkeypatch.setattr(two_factor, "time", fake)
    return fake


def code(secret: str, at: float, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(at + 30 * steps)


@pytest.fixture
def carol(make_user):
    return make_user(email="carol@example.com", name="Carol")


@pytest.fixture
def enrolled(db, carol, clock):
    """Carol with two-factor authentication on (confirmed with the previous step's code): (secret, codes)."""
    two_factor.start(db, user=carol)
    secret = db.read(lambda c: c.execute(select(totp_credentials.c.secret)).scalar_one())
    codes = two_factor.confirm(db, user=carol, code=code(secret, NOW, -1), links=Links())
    return secret, codes


def log_in(client, password=PASSWORD, next_page=None):
    data = {"email": "carol@example.com", "password": password, "csrf_token": csrf_token(client, "/")}
    return client.post("/login", data=data | ({"next": next_page} if next_page else {}))


def send_code(client, typed):
    return client.post("/login/code", data={"code": typed, "csrf_token": csrf_token(client, "/login/code")})


def events(db, name):
    return db.read(lambda c: c.execute(select(audit_events.c.outcome).where(audit_events.c.event == name)).all())


def subjects(db):
    return db.read(lambda c: c.execute(select(mail_outbox.c.subject).order_by(mail_outbox.c.id)).scalars().all())


def test_setting_up_on_the_web_shows_a_qr_code_and_the_key_then_ten_codes_once(client, auth, db, carol, clock):
    auth.login("carol@example.com")
    page = client.get("/settings/two-factor").get_data(as_text=True)
    assert "Off." in page and "Set up two-factor authentication" in page
    assert auth.post_form("/settings/two-factor/start", {}, form_page="/settings/two-factor").status_code == 303
    page = client.get("/settings/two-factor").get_data(as_text=True)
    secret = re.search(r'data-secret="([A-Z2-7]+)"', page).group(1)
    assert "<svg" in page and 'role="img"' in page and "<script" not in page.split("<main", 1)[1]
    assert not second_factor.is_enabled(db, user_id=carol.id)  # off until a code confirms it

    confirm = "/settings/two-factor/confirm"
    wrong = auth.post_form(confirm, {"code": "000000"}, form_page="/settings/two-factor")
    assert wrong.status_code == 422 and "The code is incorrect" in wrong.get_data(as_text=True)
    assert not second_factor.is_enabled(db, user_id=carol.id)

    shown = auth.post_form(confirm, {"code": code(secret, NOW)}, form_page="/settings/two-factor")
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Store these codes now" in text
    assert len(re.findall(r"<code>[a-z2-9]{5}-[a-z2-9]{5}</code>", text)) == 10
    assert second_factor.is_enabled(db, user_id=carol.id)
    assert events(db, "two_factor.enabled") == [("success",)]
    assert subjects(db) == ["Two-factor authentication was turned on for your miniBank login"]
    page = client.get("/settings/two-factor").get_data(as_text=True)
    assert "On." in page and "10 of 10 recovery codes left" in page and "<code>" not in page  # shown once only


def test_the_password_is_not_enough_the_code_page_finishes_the_login_and_keeps_next(client, db, enrolled):
    secret, _ = enrolled
    asked = log_in(client, next_page="/transfer")
    assert asked.status_code == 303 and asked.headers["Location"].endswith("/login/code")
    assert client.get("/dashboard").status_code == 303  # no session yet
    assert events(db, "login.succeeded") == []
    wrong = send_code(client, "123456" if code(secret, NOW) != "123456" else "654321")
    assert wrong.status_code == 401 and "The code is incorrect" in wrong.get_data(as_text=True)
    done = send_code(client, code(secret, NOW))
    assert done.status_code == 303 and done.headers["Location"] == "/transfer"
    assert client.get("/dashboard").status_code == 200
    assert events(db, "login.second_factor_failed") == [("failure",)]


def test_a_used_code_is_refused_and_a_clock_one_step_off_is_accepted(client, auth, enrolled, clock):
    secret, _ = enrolled
    log_in(client)
    assert send_code(client, code(secret, NOW)).status_code == 303
    auth.logout()
    log_in(client)
    assert send_code(client, code(secret, NOW)).status_code == 401  # the same code again: replay
    assert send_code(client, code(secret, NOW, +1)).status_code == 303  # the phone a step ahead
    auth.logout()
    clock.now += 30
    log_in(client)
    assert send_code(client, code(secret, NOW, +1)).status_code == 401  # that step is used up too
    assert send_code(client, code(secret, clock.now, +2)).status_code == 401  # two steps ahead: too far


def test_each_recovery_code_logs_in_once(client, auth, enrolled):
    _, codes = enrolled
    log_in(client)
    assert send_code(client, codes[0].upper().replace("-", " ")).status_code == 303
    auth.logout()
    log_in(client)
    assert send_code(client, codes[0]).status_code == 401
    assert send_code(client, codes[1]).status_code == 303


def test_wrong_codes_count_toward_the_login_lockout(client, db, enrolled):
    secret, _ = enrolled
    log_in(client)
    assert [send_code(client, "000000").status_code for _ in range(5)] == [401] * 5
    locked = send_code(client, code(secret, NOW))
    assert locked.status_code == 429 and "Too many failed attempts" in locked.get_data(as_text=True)
    assert int(locked.headers["Retry-After"]) > 0
    # The right password again does not buy more guesses at the code.
    assert log_in(client).status_code == 429
    assert events(db, "login.lockout")


def test_the_code_page_needs_a_fresh_password_step(client, enrolled, monkeypatch):
    from minibank.web import pending_login

    secret, _ = enrolled
    lost = client.get("/login/code")
    assert lost.status_code == 303 and lost.headers["Location"].endswith("/")
    log_in(client)
    assert client.get("/login/code").status_code == 200
    later = Clock()
    later.now = time.time() + pending_login.LIFETIME + 1
    monkeypatch.setattr(pending_login, "time", later)  # only the pending login's clock moves on
    late = client.post("/login/code", data={"code": code(secret, NOW), "csrf_token": csrf_token(client, "/")})
    assert late.status_code == 303 and late.headers["Location"].endswith("/")


def test_new_recovery_codes_need_a_current_code_and_replace_the_old_ones(client, auth, db, enrolled):
    secret, old = enrolled
    log_in(client)
    send_code(client, code(secret, NOW))
    path, page = "/settings/two-factor/recovery-codes", "/settings/two-factor"
    assert auth.post_form(path, {"renew-code": "000000"}, form_page=page).status_code == 422
    fresh = auth.post_form(path, {"renew-code": old[5]}, form_page=page)
    new = re.findall(r"<code>([a-z2-9-]{11})</code>", fresh.get_data(as_text=True))
    assert fresh.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    auth.logout()
    log_in(client)
    assert send_code(client, old[6]).status_code == 401
    assert send_code(client, new[0]).status_code == 303
    assert events(db, "two_factor.codes_regenerated") == [("success",)]


def test_turning_it_off_needs_the_password_and_a_code_and_tells_the_owner(client, auth, db, carol, enrolled):
    secret, codes = enrolled
    log_in(client)
    send_code(client, code(secret, NOW))
    path, page = "/settings/two-factor/disable", "/settings/two-factor"
    wrong_password = auth.post_form(path, {"off-password": "not my password", "off-code": codes[0]}, form_page=page)
    assert wrong_password.status_code == 422 and "The password is incorrect" in wrong_password.get_data(as_text=True)
    wrong_code = auth.post_form(path, {"off-password": PASSWORD, "off-code": "000000"}, form_page=page)
    assert wrong_code.status_code == 422 and second_factor.is_enabled(db, user_id=carol.id)
    assert auth.post_form(path, {"off-password": PASSWORD, "off-code": codes[0]}, form_page=page).status_code == 303
    assert not second_factor.is_enabled(db, user_id=carol.id)
    assert events(db, "two_factor.disabled") == [("success",)]
    assert subjects(db)[-1] == "Two-factor authentication was turned off for your miniBank login"
    auth.logout()
    assert log_in(client).headers["Location"].endswith("/dashboard")  # the password alone again


def test_the_api_asks_for_the_second_factor_by_name_and_takes_it(client, db, enrolled):
    secret, codes = enrolled
    body = {"email": "carol@example.com", "password": PASSWORD}
    asked = client.post("/api/v1/auth/token", json=body)
    problem = asked.get_json()
    assert asked.status_code == 401 and asked.mimetype == "application/problem+json"
    assert problem["code"] == "second_factor_required" and problem["errors"][0]["field"] == "otp"
    wrong = client.post("/api/v1/auth/token", json=body | {"otp": "000000"})
    assert wrong.status_code == 401 and wrong.get_json()["code"] == "invalid_second_factor"
    ok = client.post("/api/v1/auth/token", json=body | {"otp": code(secret, NOW)})
    assert ok.status_code == 200 and ok.get_json()["token_type"] == "Bearer"
    assert client.post("/api/v1/auth/token", json=body | {"otp": code(secret, NOW)}).status_code == 401  # replay
    assert client.post("/api/v1/auth/token", json=body | {"otp": codes[3]}).status_code == 200
    wrong_password = client.post("/api/v1/auth/token", json={**body, "password": "wrong password!"})
    assert wrong_password.get_json()["code"] == "invalid_credentials"  # the code is asked only after the password


def test_wrong_api_codes_are_throttled(client, enrolled):
    secret, _ = enrolled
    body = {"email": "carol@example.com", "password": PASSWORD}
    statuses = [client.post("/api/v1/auth/token", json=body | {"otp": "000000"}).status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = client.post("/api/v1/auth/token", json=body | {"otp": code(secret, NOW)})
    assert locked.status_code == 429 and locked.get_json()["code"] == "too_many_attempts"


HTTPS = {"base_url": "https://bank.example", "headers": {"Referer": "https://bank.example/"}}


@pytest.fixture
def production(database_url, tmp_path, monkeypatch):
    """A production app (over HTTPS, as production runs) and its Database."""
    monkeypatch.setenv("MINIBANK_ENV", "production")
    monkeypatch.setenv("MINIBANK_SECRET_KEY", SECRET)
    monkeypatch.setenv("MINIBANK_WORKERS", "1")
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "prod-instance"))
    app = create_app({"DATABASE_URL": database_url, "RATELIMIT_ENABLED": False})
    yield app, app.extensions["minibank.db"]
    app_db.dispose()


def test_staff_in_production_must_set_up_a_second_factor_first(production, clock):
    app, db = production
    teller = users.create_user(db, email="teller@example.com", name="Tess", password=PASSWORD, role="teller")
    users.create_user(db, email="cust@example.com", name="Cust", password=PASSWORD)
    client = app.test_client()
    refused = client.post("/api/v1/auth/token", json={"email": "teller@example.com", "password": PASSWORD}, **HTTPS)
    assert refused.status_code == 403 and refused.get_json()["code"] == "second_factor_enrolment_required"
    customer = client.post("/api/v1/auth/token", json={"email": "cust@example.com", "password": PASSWORD}, **HTTPS)
    assert customer.status_code == 200  # optional for customers

    form = {"email": "teller@example.com", "password": PASSWORD, "csrf_token": csrf_token(client, "/", **HTTPS)}
    assert client.post("/login", data=form, **HTTPS).status_code == 303
    for page in ("/dashboard", "/transfer", "/settings/password"):
        sent = client.get(page, **HTTPS)
        assert sent.status_code == 303 and sent.headers["Location"].endswith("/settings/two-factor"), page
    page = client.get("/settings/two-factor", **HTTPS).get_data(as_text=True)
    assert "Staff need it" in page
    token = csrf_token(client, "/settings/two-factor", **HTTPS)
    assert client.post("/settings/two-factor/start", data={"csrf_token": token}, **HTTPS).status_code == 303
    secret = db.read(lambda c: c.execute(select(totp_credentials.c.secret)).scalar_one())
    token = csrf_token(client, "/settings/two-factor", **HTTPS)
    confirmed = client.post(
        "/settings/two-factor/confirm", data={"code": code(secret, NOW), "csrf_token": token}, **HTTPS
    )
    assert confirmed.status_code == 200 and "Store these codes now" in confirmed.get_data(as_text=True)
    assert client.get("/dashboard", **HTTPS).status_code == 200
    page = client.get("/settings/two-factor", **HTTPS).get_data(as_text=True)
    assert "Staff must keep two-factor authentication on" in page and "Turn off" not in page
    body = {"email": "teller@example.com", "password": PASSWORD, "otp": code(secret, NOW, 1)}
    assert client.post("/api/v1/auth/token", json=body, **HTTPS).status_code == 200
    assert second_factor.is_enabled(db, user_id=teller.id)


def test_a_draft_kept_when_the_session_ended_comes_back_after_the_code(app, client, db, carol, enrolled, make_account):
    secret, _ = enrolled
    funded, payee = make_account(owner=carol, balance=10_000), make_account(balance=0)
    log_in(client)
    send_code(client, code(secret, NOW))
    form = Banking(client).form_tokens()
    expiry.end_session(app, client, carol)
    kept = client.post("/transfer", data=expiry.typed_transfer(funded.number, payee.number, form))
    assert kept.headers["Location"] == "/?next=/transfer"
    asked = expiry.log_in(client, "carol@example.com", "/transfer")
    assert asked.headers["Location"].endswith("/login/code")
    done = send_code(client, code(secret, NOW, 1))
    assert done.status_code == 303 and done.headers["Location"] == "/transfer"
    page = expiry.page_text(client, "/transfer")
    assert expiry.RESTORED in page and 'value="12.50"' in page and hidden_fields(page)["token"] == form["token"]
