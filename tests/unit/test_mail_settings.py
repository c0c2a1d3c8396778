"""The mail settings: MINIBANK_SMTP_URL and friends are checked at start-up, one line naming the setting."""

import pytest

from minibank import config
from minibank.config import ConfigError
from minibank.mail.transport import parse_smtp_url


def load(tmp_path, **env):
    return config.load({"MINIBANK_SECRET_KEY": "x" * 40, **env}, str(tmp_path))


def test_smtp_urls_parse_with_tls_auth_and_defaults():
    plain = parse_smtp_url("smtp://mail.example")
    assert (plain.host, plain.port, plain.starttls, plain.implicit_tls, plain.username) == (
        "mail.example",
        25,
        False,
        False,
        None,
    )
    submission = parse_smtp_url("smtp://bank%40x:p%3Ass@mail.example:587?starttls=1&timeout=10")
    assert (submission.port, submission.starttls, submission.username, submission.password, submission.timeout) == (
        587,
        True,
        "bank@x",
        "p:ss",
        10.0,
    )
    tls = parse_smtp_url("smtps://u:p@mail.example")
    assert (tls.port, tls.implicit_tls, tls.starttls) == (465, True, False)


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example",
        "smtp://",
        "smtp://mail.example:99999",
        "smtp://mail.example:port",
        "smtp://mail.example?starttls=maybe",
        "smtps://mail.example?starttls=1",
        "smtp://mail.example?tls=1",
        "smtp://mail.example?timeout=0",
        "smtp://mail.example?timeout=soon",
    ],
)
def test_a_bad_smtp_url_stops_start_up_without_echoing_it(tmp_path, url):
    with pytest.raises(ConfigError, match=r"^MINIBANK_SMTP_URL: .*smtp://USER:PASSWORD@HOST:587") as refused:
        load(tmp_path, MINIBANK_SMTP_URL=url)
    assert "\n" not in str(refused.value)


def test_a_bad_smtp_url_never_shows_its_password(tmp_path):
    with pytest.raises(ConfigError) as refused:
        load(tmp_path, MINIBANK_SMTP_URL="smtp://bank:hunter2-secret@mail.example?starttls=perhaps")
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"MINIBANK_MAIL_FROM": "not an address"}, "MINIBANK_MAIL_FROM"),
        ({"MINIBANK_MAIL_FROM": "a@b.example\nBcc: x@y.example"}, "MINIBANK_MAIL_FROM"),
        ({"MINIBANK_PUBLIC_URL": "bank.example"}, "MINIBANK_PUBLIC_URL"),
        ({"MINIBANK_PUBLIC_URL": "javascript:alert(1)"}, "MINIBANK_PUBLIC_URL"),
        ({"MINIBANK_REQUIRE_VERIFIED_EMAIL": "sometimes"}, "MINIBANK_REQUIRE_VERIFIED_EMAIL"),
        ({"MINIBANK_PASSWORD_RESET_TTL": "5"}, "MINIBANK_PASSWORD_RESET_TTL"),
        ({"MINIBANK_RATELIMIT_PASSWORD_RESET": "lots"}, "MINIBANK_RATELIMIT_PASSWORD_RESET"),
        ({"MINIBANK_MAIL_SENDER": "maybe"}, "MINIBANK_MAIL_SENDER"),
    ],
)
def test_bad_mail_settings_name_the_setting(tmp_path, env, name):
    with pytest.raises(ConfigError, match=f"^{name}"):
        load(tmp_path, **env)


def test_mail_defaults(tmp_path):
    settings = load(tmp_path, MINIBANK_PUBLIC_URL="https://bank.example/")
    assert settings["SMTP_URL"] is None and settings["MAIL_DIR"] == str(tmp_path / "mail")
    assert settings["PUBLIC_URL"] == "https://bank.example"
    assert settings["PASSWORD_RESET_TTL"] == 900 and settings["REQUIRE_VERIFIED_EMAIL"] is False
