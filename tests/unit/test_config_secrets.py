"""Production refuses weak secrets: short, low-entropy, repeated, placeholder, reused; each with one line naming the variable."""

import secrets

import pytest

from minibank import config

STRONG = "7Bk0XX1NiojxOSlGtSmxE6SID6JH0889DbFpX51Oly9tVVtgFLVvJtZj_GPedjxy"
OTHER = "ywD-ZtSZOpQ5RBzbxv4_-VEaz4ajUK_7TAgTHqiunYC8WfFjJ1BAzgjyWfJ0s0YJ"
BASE = {"MINIBANK_ENV": "production", "MINIBANK_SECRET_KEY": STRONG, "MINIBANK_WORKERS": "1"}

WEAK = {
    "one letter": "a" * 32,
    "spaces": " " * 32,
    "a word repeated": "password" * 4,
    "the old test secret": "s" * 48,
    "a longer text repeated": "Xk3-f9Lq2wZ" * 4,
    "almost one letter": "a" * 31 + "b",
    "two letters": "ab" * 15 + "cd",
    "a placeholder": "changeme-changeme-please-" + "x" * 20,
    "a placeholder with padding": "benchmark-secret-" + "x" * 40,
    "a placeholder, mixed case": "ThisIsMySecretPassword-Example!!",
}


@pytest.mark.parametrize("variable", ["MINIBANK_SECRET_KEY", "MINIBANK_JWT_KEYS", "MINIBANK_METRICS_TOKEN"])
@pytest.mark.parametrize("value", list(WEAK.values()), ids=list(WEAK))
def test_production_refuses_a_weak_secret_naming_the_variable(tmp_path, variable, value):
    setting = f"k1:{value}" if variable == "MINIBANK_JWT_KEYS" else value
    with pytest.raises(config.ConfigError) as refused:
        config.load({**BASE, variable: setting}, str(tmp_path))
    message = str(refused.value)
    assert variable in message and "\n" not in message
    assert value not in message  # the secret itself is never printed


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (f"k1:{STRONG}", "is MINIBANK_SECRET_KEY itself"),
        (f"k1:{OTHER},k1:{OTHER[::-1]}", "kid 'k1' appears twice"),
        (f"k1:{OTHER}, k2:{OTHER[::-1]},k1:{STRONG[::-1]}", "kid 'k1' appears twice"),
    ],
)
def test_production_refuses_a_reused_jwt_key_or_kid(tmp_path, setting, message):
    with pytest.raises(config.ConfigError, match=message):
        config.load({**BASE, "MINIBANK_JWT_KEYS": setting}, str(tmp_path))


def test_duplicate_kids_are_refused_in_development_too(tmp_path):
    with pytest.raises(config.ConfigError, match="appears twice"):
        config.load({"MINIBANK_JWT_KEYS": "a:one,a:two"}, str(tmp_path))


def test_development_keeps_taking_any_secret(tmp_path):
    settings = config.load({"MINIBANK_SECRET_KEY": "a" * 32, "MINIBANK_JWT_KEYS": f"k1:{'a' * 32}"}, str(tmp_path))
    assert settings["SECRET_KEY"] == "a" * 32


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_urlsafe(48),
        lambda: secrets.token_urlsafe(24),
        lambda: secrets.token_hex(32),
        lambda: secrets.token_hex(16),
    ],
    ids=["token_urlsafe(48)", "token_urlsafe(24)", "token_hex(32)", "token_hex(16)"],
)
def test_production_takes_random_secrets(tmp_path, make):
    for _ in range(200):
        secret, key, token = make(), make(), make()
        settings = config.load(
            {
                **BASE,
                "MINIBANK_SECRET_KEY": secret,
                "MINIBANK_JWT_KEYS": f"k1:{key},k2:{OTHER}",
                "MINIBANK_METRICS_TOKEN": token,
            },
            str(tmp_path),
        )
        assert (settings["SECRET_KEY"], settings["JWT_KEYS"][0], settings["METRICS_TOKEN"]) == (
            secret,
            ("k1", key),
            token,
        )


@pytest.mark.parametrize(
    ("url", "says"),
    [("not a url", "is not a database URL"), ("sqlite:///copy.db", "sqlite:// is not one the bank runs on")],
)
def test_a_replica_url_must_be_postgresql(tmp_path, url, says):
    with pytest.raises(config.ConfigError, match=says) as refused:
        config.load({**BASE, "MINIBANK_DATABASE_REPLICA_URL": url}, str(tmp_path))
    assert "MINIBANK_DATABASE_REPLICA_URL" in str(refused.value)
