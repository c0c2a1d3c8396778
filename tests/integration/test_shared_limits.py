"""With Redis, limits and lockouts hold across processes: two app servers count once."""

import uuid

import pytest

from ..support.servers import app_server, post_wrong_password


def shared_env(redis_url: str, database_url: str, tmp_path, *, login: str, lockout: str) -> dict:
    """Settings for app servers that share one database and one Redis (under a fresh prefix)."""
    return {
        "MINIBANK_DATABASE_URL": database_url,
        "MINIBANK_INSTANCE_PATH": str(tmp_path),
        "MINIBANK_REDIS_URL": redis_url,
        "MINIBANK_REDIS_PREFIX": f"test-{uuid.uuid4().hex}",
        "MINIBANK_RATELIMIT_LOGIN": login,
        "MINIBANK_LOGIN_LOCKOUT": lockout,
    }


@pytest.mark.slow
def test_login_limit_is_counted_once_across_two_servers(redis_url, sqlite_url, tmp_path):
    env = shared_env(redis_url, sqlite_url, tmp_path, login="4 per minute", lockout="100 per minute")
    with app_server(env, log=tmp_path / "a.log") as first, app_server(env, log=tmp_path / "b.log") as second:
        statuses = [post_wrong_password(base, f"user{i}@example.com") for i, base in enumerate([first, second] * 3)]
    # Four attempts in all, alternating servers, then both refuse: not four on each.
    assert statuses == [401, 401, 401, 401, 429, 429]


@pytest.mark.slow
def test_lockout_is_shared_across_two_servers(redis_url, sqlite_url, tmp_path):
    env = shared_env(redis_url, sqlite_url, tmp_path, login="100 per minute", lockout="3 per minute")
    with app_server(env, log=tmp_path / "a.log") as first, app_server(env, log=tmp_path / "b.log") as second:
        statuses = [post_wrong_password(base, "victim@example.com") for base in [first, second, first, second]]
    assert statuses == [401, 401, 401, 429]
