"""Rate limits per address, lockout per e-mail and address that lifts by itself, 429 with Retry-After."""

import pytest

from minibank import create_app
from minibank.domain.text import how_long

from ..support.factories import PASSWORD
from ..support.http import Auth


@pytest.fixture
def limited(database_url, tmp_path, monkeypatch, make_user):
    """An app with small, real limits (the default test app has limits off)."""

    def build(**config):
        monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "limited"))
        app = create_app({"DATABASE_URL": database_url, "RATELIMIT_ENABLED": True, **config})
        return app.test_client()

    make_user(email="victim@example.com")
    return build


class Clock:
    """The lockout's clock, moved by hand instead of sleeping."""

    def __init__(self, now: float = 1_800_000_000.5):
        self.now = now

    def __call__(self) -> float:
        return self.now


def api_login(client, email="victim@example.com", password="wrong password!!"):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password})


def test_failed_logins_lock_the_email_from_that_address_then_the_lock_lifts(limited):
    client = limited(LOGIN_LOCKOUT="3 per 2 seconds", RATELIMIT_LOGIN="100 per minute")
    clock = client.application.extensions["minibank.login_throttle"].clock = Clock()
    assert [api_login(client).status_code for _ in range(3)] == [401, 401, 401]
    locked = api_login(client, password=PASSWORD)  # even the right password waits, from this address
    assert locked.status_code == 429 and 1 <= int(locked.headers["Retry-After"]) <= 3
    assert locked.get_json()["code"] == "too_many_attempts"
    unknown = [api_login(client, email="ghost@example.com").status_code for _ in range(4)]
    assert unknown == [401, 401, 401, 429]  # unknown e-mails lock the same way: nothing is revealed
    elsewhere = client.post(
        "/api/v1/auth/token",
        json={"email": "victim@example.com", "password": PASSWORD},
        environ_overrides={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert elsewhere.status_code == 200  # another address is not locked out by this one's failures
    clock.now += int(locked.headers["Retry-After"])
    assert api_login(client, password=PASSWORD).status_code == 200


def test_web_login_lockout_answers_429_with_retry_after(limited):
    client = limited(LOGIN_LOCKOUT="2 per minute", RATELIMIT_LOGIN="100 per minute")
    web = Auth(client)
    assert [web.login("victim@example.com", "wrong password!!").status_code for _ in range(2)] == [401, 401]
    response = web.login("victim@example.com")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Too many failed attempts" in response.get_data(as_text=True)
    wait = how_long(int(response.headers["Retry-After"]))  # the page says how long, as the header does
    assert f"Please wait {wait} and try again" in response.get_data(as_text=True)


def test_per_address_login_limit_on_web_and_api(limited):
    client = limited(RATELIMIT_LOGIN="3 per minute")
    statuses = [api_login(client, email=f"u{i}@example.com").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    refused = api_login(client, email="other@example.com")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.mimetype == "application/problem+json"
    web = Auth(client).login("x@example.com", "wrong password!!")  # the web door shares the count
    assert web.status_code == 429 and "Retry-After" in web.headers
    assert "Too many requests" in web.get_data(as_text=True)


def test_per_email_login_limit_counts_per_address(limited):
    client = limited(RATELIMIT_LOGIN="2 per minute", LOGIN_LOCKOUT="100 per minute")

    def post(address):
        return client.post(
            "/api/v1/auth/token",
            json={"email": "victim@example.com", "password": PASSWORD},
            environ_overrides={"REMOTE_ADDR": address},
        ).status_code

    # Requests for one e-mail from many addresses do not make its owner's own login answer 429...
    assert [post(f"10.0.0.{i}") for i in range(4)] == [200] * 4
    assert [post("10.0.0.1") for _ in range(2)] == [200, 429]  # ...the count is per address and e-mail


def test_registration_is_limited_per_address(limited):
    client = limited(RATELIMIT_LOGIN="2 per minute")
    bodies = [{"email": f"r{i}@example.com", "name": "R", "password": "a long passphrase here"} for i in range(3)]
    statuses = [client.post("/api/v1/auth/register", json=body).status_code for body in bodies]
    assert statuses == [202, 202, 429]


def test_default_limit_covers_every_other_route(limited):
    client = limited(RATELIMIT_DEFAULT="3 per minute")
    statuses = [client.get("/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
