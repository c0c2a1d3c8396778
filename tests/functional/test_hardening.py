"""Production cookies, security headers, secrets, and secrets kept out of logs."""

import pytest

from minibank import create_app
from minibank.config import ConfigError

from ..support.factories import PASSWORD
from ..support.http import csrf_token

STRONG_SECRET = "opKKspyvd0UV87aJgAcu5ytgl9z9BUtBv9XC7hBgrwTZvIKyWM87HxoK3lG01Cov"


@pytest.fixture
def production_client(database_url, tmp_path, monkeypatch, make_user):
    monkeypatch.setenv("MINIBANK_ENV", "production")
    monkeypatch.setenv("MINIBANK_SECRET_KEY", STRONG_SECRET)
    monkeypatch.setenv("MINIBANK_WORKERS", "1")  # no Redis: one process, or limits counted per process
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "prod-instance"))
    app = create_app({"DATABASE_URL": database_url, "RATELIMIT_ENABLED": False})
    make_user(email="prod@example.com")
    return app.test_client()


def test_production_cookies_are_secure_host_prefixed(production_client):
    # Over HTTPS, as production runs: a Secure cookie is only sent back over HTTPS,
    # and Flask-WTF then also checks the Referer.
    client = production_client
    https = {"base_url": "https://bank.example", "headers": {"Referer": "https://bank.example/"}}
    token = csrf_token(client, "/", **https)
    response = client.post(
        "/login", data={"email": "prod@example.com", "password": PASSWORD, "csrf_token": token}, **https
    )
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    token_cookie = next(c for c in cookies if c.startswith("__Host-minibank="))
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in token_cookie
    assert "Domain=" not in token_cookie
    # When the session ends, for the page's script: readable by it, and just as bound to this site.
    ends_cookie = next(c for c in cookies if c.startswith("__Host-minibank-ends="))
    assert "Secure" in ends_cookie and "Path=/" in ends_cookie and "HttpOnly" not in ends_cookie
    assert "Domain=" not in ends_cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_security_headers_on_every_response(client, auth, make_user):
    make_user(email="hdr@example.com")
    auth.login("hdr@example.com")
    for path in ["/", "/dashboard", "/healthz", "/api/v1/me", "/no-such-page", "/static/style.css"]:
        response = client.get(path)
        response.close()  # static files are streamed from disk
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp, path
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
        assert "Server" not in headers
    assert client.get("/dashboard").headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in client.get("/").headers  # development serves plain HTTP


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MINIBANK_ENV": "production"}, "MINIBANK_SECRET_KEY is required"),
        ({"MINIBANK_ENV": "production", "MINIBANK_SECRET_KEY": "short"}, "at least 32 bytes"),
        (
            {"MINIBANK_ENV": "production", "MINIBANK_SECRET_KEY": STRONG_SECRET, "MINIBANK_JWT_KEYS": "k1:short"},
            "shorter than 32",
        ),
        ({"MINIBANK_JWT_KEYS": "no-colon"}, "MINIBANK_JWT_KEYS"),
        ({"MINIBANK_ENV": "staging"}, "MINIBANK_ENV"),
        ({"MINIBANK_TRANSFER_MAX": "-1"}, "MINIBANK_TRANSFER_MAX"),
        ({"MINIBANK_RATELIMIT_LOGIN": "lots"}, "MINIBANK_RATELIMIT_LOGIN"),
        ({"MINIBANK_TOKEN_TTL": "forever"}, "MINIBANK_TOKEN_TTL"),
        ({"MINIBANK_CURRENCY": "dollars"}, "MINIBANK_CURRENCY"),
        ({"MINIBANK_TIMEZONE": "Mars/Olympus_Mons"}, "MINIBANK_TIMEZONE"),
        ({"MINIBANK_TIMEZONE": "../../etc/passwd"}, "MINIBANK_TIMEZONE"),
        ({"MINIBANK_RATELIMIT_ENABLED": "maybe"}, "MINIBANK_RATELIMIT_ENABLED"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_variable(monkeypatch, tmp_path, env, message):
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_development_secret_is_generated_once_owner_only(monkeypatch, tmp_path):
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path))
    first = create_app().config["SECRET_KEY"]
    assert create_app().config["SECRET_KEY"] == first and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_no_password_token_or_cookie_in_the_logs(client, auth, make_user, make_account, capfd):
    user = make_user(email="logs@example.com")
    make_account(owner=user, balance=10_000)
    auth.login("logs@example.com")
    auth.post_form(
        "/settings/password",
        {
            "current_password": PASSWORD,
            "new_password": "another long passphrase",
            "confirm_new_password": "another long passphrase",
        },
    )
    cookie = client.get_cookie("minibank").value
    token = auth.token("logs@example.com", "another long passphrase")
    client.post("/api/v1/auth/token", json={"email": "logs@example.com", "password": "wrong but secret-ish"})
    auth.logout()
    out, err = capfd.readouterr()
    logs = out + err
    for secret in (PASSWORD, "another long passphrase", "wrong but secret-ish", cookie, token):
        assert secret not in logs


def test_an_unreachable_database_is_a_503_not_a_500(monkeypatch, tmp_path):
    from minibank.security import tokens

    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path))
    app = create_app({"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/nowhere", "RATELIMIT_ENABLED": False})
    token, _ = tokens.issue(
        user_id=1, token_version=0, keys=app.config["JWT_KEYS"], ttl=60, audience=tokens.AUDIENCE_API
    )
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["code"] == "unavailable"
    app.extensions["minibank.db"].dispose()
