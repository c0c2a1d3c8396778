"""Unlock for the owner: during a lockout an e-mailed single-use link lets the owner in, whatever an attacker does."""

import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from minibank.models import audit_events, email_tokens, utcnow
from minibank.services.email_links import token_hash

from ..support.factories import PASSWORD
from ..support.http import Auth, csrf_token
from ..support.smtp import body_of
from .test_identity_mail import answer, link_in, smtp  # noqa: F401  (smtp: the fixture, a real SMTP server)

OWNER = "198.51.100.7"
WRONG = "wrong password!!"


class Clock:
    """The throttle's clock, moved by hand instead of sleeping."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app):
    clock = Clock()
    app.extensions["minibank.login_throttle"].clock = clock
    return clock


@pytest.fixture
def victim(make_user):
    return make_user(email="victim@example.com", name="Vera")


def owner_browser(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = OWNER
    return client


def web_login(client, password=PASSWORD, email="victim@example.com"):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client, "/")})


def attack(client, addresses):
    """Each address guesses the victim's password until it is refused."""
    for address in addresses:
        for _ in range(25):
            answer = client.post(
                "/api/v1/auth/token",
                json={"email": "victim@example.com", "password": WRONG},
                environ_overrides={"REMOTE_ADDR": address},
            )
            if answer.status_code == 429:
                break


def ask_on_the_web(client, email):
    return client.post("/login/unlock", data={"email": email, "csrf_token": csrf_token(client, "/login/unlock")})


def test_asking_answers_the_same_for_known_unknown_and_malformed_addresses(app, client, smtp, victim):  # noqa: F811
    known = ask_on_the_web(client, "Victim@example.com")
    unknown = ask_on_the_web(client, "nobody@example.com")
    malformed = ask_on_the_web(client, "not an address")
    assert known.status_code == unknown.status_code == malformed.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == malformed.headers["Location"]
    assert known.get_data() == unknown.get_data() == malformed.get_data()
    assert client.get(known.headers["Location"]).status_code == 200
    api = [client.post("/api/v1/login-unlocks", json={"email": e}) for e in ("victim@example.com", "x@example.com")]
    assert answer(api[0]) == answer(api[1]) and api[0].status_code == 202
    inbox = smtp.deliver()
    messages = inbox.to("victim@example.com")
    assert len(messages) == len(inbox.messages) == 2  # one per request for the login, none for the others
    assert messages[0]["Subject"] == "Unlock your miniBank login"
    path, token = link_in(messages[0])
    assert path == "/login/unlock/confirm" and "15 minutes" in body_of(messages[0])
    raw = messages[0].as_string()
    assert PASSWORD not in raw and token_hash(token) not in raw  # no secret but the link
    assert smtp.deliver() is inbox and len(inbox.messages) == 2  # each sent once
    events = app_events(client.application)
    assert events.count("login.unlock_requested") == 2 and events.count("login.unlock_unknown") == 3


def app_events(app):
    from minibank.extensions import db

    with app.app_context():
        return db.read(lambda c: c.execute(select(audit_events.c.event)).scalars().all())


def test_asking_takes_as_long_for_an_unknown_address(client, victim):
    def ratio(round_: int) -> float:
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        for n in range(10):
            for kind, email in (("known", "victim@example.com"), ("unknown", f"nobody{round_}-{n}@example.com")):
                start = time.perf_counter()
                assert client.post("/api/v1/login-unlocks", json={"email": email}).status_code == 202
                timings[kind].append(time.perf_counter() - start)
        return statistics.median(timings["known"]) / statistics.median(timings["unknown"])

    # The known address also stores a link and a message (a few milliseconds more), but every answer
    # waits until the same moment. A busy machine's noise is of that size: a real difference shows in every round.
    ratios = [ratio(n) for n in range(3)]
    assert any(0.8 < r < 1.25 for r in ratios), ratios


def test_the_link_lets_the_owner_in_while_an_attacker_keeps_failing(app, client, clock, smtp, victim):  # noqa: F811
    owner = owner_browser(app)
    attack(client, [f"10.0.0.{n}" for n in range(3)])  # the e-mail's budget is spent
    assert web_login(owner, WRONG).status_code == 401  # the owner mistypes once: now the owner waits too
    locked = web_login(owner)
    assert locked.status_code == 429
    page = locked.get_data(as_text=True)
    assert "E-mail me an unlock link" in page and "/login/unlock?email=victim@example.com" in page
    assert 'value="victim@example.com"' in owner.get("/login/unlock?email=victim%40example.com").get_data(as_text=True)
    assert ask_on_the_web(owner, "victim@example.com").status_code == 303
    [message] = smtp.deliver().messages
    _, token = link_in(message)

    shown = owner.get(f"/login/unlock/confirm?token={token}")  # a mail scanner following it unlocks nothing
    assert shown.status_code == 200 and "Unlock my login" in shown.get_data(as_text=True)
    attack(client, [f"10.0.1.{n}" for n in range(3)])  # the attack goes on
    unlocked = owner.post(
        "/login/unlock/confirm",
        data={"token": token, "csrf_token": csrf_token(owner, f"/login/unlock/confirm?token={token}")},
    )
    assert unlocked.status_code == 303 and unlocked.headers["Location"] == "/"
    attack(client, [f"10.0.2.{n}" for n in range(3)])  # and on: the attackers are still refused, the owner is not
    attacker = client.post(
        "/api/v1/auth/token",
        json={"email": "victim@example.com", "password": PASSWORD},
        environ_overrides={"REMOTE_ADDR": "10.0.2.1"},
    )
    assert attacker.status_code == 429 and "unlock link" in attacker.get_json()["detail"]
    assert "is unlocked in this browser" in owner.get("/").get_data(as_text=True)
    assert web_login(owner, WRONG).status_code == 401  # a typo with the pass is a plain failure
    logged_in = web_login(owner)
    assert logged_in.status_code == 303 and logged_in.headers["Location"] == "/dashboard"
    assert owner.get("/dashboard").status_code == 200
    events = app_events(app)
    assert "login.unlocked" in events and events[-1] == "login.succeeded"


def test_the_pass_is_for_that_browser_and_that_email(app, client, clock, smtp, victim, make_user):  # noqa: F811
    make_user(email="other@example.com")
    owner = owner_browser(app)
    for _ in range(5):
        web_login(owner, WRONG)
    assert web_login(owner).status_code == 429
    client.post("/api/v1/login-unlocks", json={"email": "victim@example.com"})
    _, token = link_in(smtp.deliver().messages[0])
    stranger = app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = OWNER
    for _ in range(5):
        web_login(stranger, WRONG, email="other@example.com")
    Auth(owner).post_form("/login/unlock/confirm", {"token": token}, form_page=f"/login/unlock/confirm?token={token}")
    assert web_login(owner, email="victim@example.com").status_code == 303
    # Another browser at the same address has no pass, and a pass is for its e-mail only.
    assert web_login(stranger, email="other@example.com").status_code == 429


def test_the_link_works_once_and_expires(app, client, db, smtp, victim):  # noqa: F811
    for _ in range(2):
        client.post("/api/v1/login-unlocks", json={"email": "victim@example.com"})
    first, second = (link_in(m)[1] for m in smtp.deliver().messages)
    page = f"/login/unlock/confirm?token={first}"
    assert Auth(client).post_form("/login/unlock/confirm", {"token": first}, form_page=page).status_code == 303
    used = client.get(page)
    assert used.status_code == 400 and "Ask for a new unlock link" in used.get_data(as_text=True)
    # Using one link uses up the others of the user.
    assert client.get(f"/login/unlock/confirm?token={second}").status_code == 400
    form = csrf_token(client, "/login/unlock")
    assert client.post("/login/unlock/confirm", data={"token": first, "csrf_token": form}).status_code == 400
    client.post("/api/v1/login-unlocks", json={"email": "victim@example.com"})
    [late] = smtp.deliver().messages[2:]
    _, token = link_in(late)
    db.write(lambda c: c.execute(update(email_tokens).values(expires_at=utcnow() - timedelta(seconds=1))))
    assert client.get(f"/login/unlock/confirm?token={token}").status_code == 400
    assert client.post("/login/unlock/confirm", data={"token": token, "csrf_token": form}).status_code == 400
    assert client.post("/login/unlock/confirm", data={"token": "", "csrf_token": form}).status_code == 400
    stored = db.read(lambda c: c.execute(select(email_tokens.c.token_hash)).scalars().all())
    assert token not in stored and token_hash(token) in stored  # hashed


def test_asking_is_limited_per_address_and_per_email(database_url, tmp_path, monkeypatch):
    from minibank import create_app
    from minibank.extensions import db as app_db

    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "limited"))
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_PASSWORD_RESET": "3 per hour",
            "RATELIMIT_PASSWORD_RESET_EMAIL": "2 per hour",
        }
    )
    try:
        client = app.test_client()

        def ask(email, address):
            body = {"email": email}
            return client.post("/api/v1/login-unlocks", json=body, environ_base={"REMOTE_ADDR": address}).status_code

        assert [ask("victim@example.com", f"10.0.0.{n}") for n in range(3)] == [202, 202, 429]
        assert [ask(f"u{n}@example.com", "10.9.9.9") for n in range(4)] == [202, 202, 202, 429]
        # Reset links keep their own budget.
        assert client.post("/api/v1/password-resets", json={"email": "u9@example.com"}).status_code == 202
    finally:
        app_db.dispose()
