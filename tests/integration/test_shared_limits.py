"""With Redis, limits and lockouts hold across processes: two app servers count once."""

import json
import os
import urllib.error
import urllib.request
import uuid

import pytest
import redis

from ..support.services import in_ci, require
from ..support.servers import app_server

REDIS_URL = os.environ.get("MINIBANK_TEST_REDIS_URL") or ("redis://127.0.0.1:6379/0" if in_ci() else None)


@pytest.fixture
def redis_url():
    """A reachable Redis, or a skip (a failure in CI)."""
    if not REDIS_URL:
        require("Redis", "set MINIBANK_TEST_REDIS_URL to run the Redis tests")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        require("Redis", f"cannot reach {REDIS_URL}: {error}")
    return REDIS_URL


def post_token(base: str, email: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        data=json.dumps({"email": email, "password": "wrong password!!"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


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
        statuses = [post_token(base, f"user{i}@example.com") for i, base in enumerate([first, second] * 3)]
    # Four attempts in all, alternating servers, then both refuse: not four on each.
    assert statuses == [401, 401, 401, 401, 429, 429]


@pytest.mark.slow
def test_lockout_is_shared_across_two_servers(redis_url, sqlite_url, tmp_path):
    env = shared_env(redis_url, sqlite_url, tmp_path, login="100 per minute", lockout="3 per minute")
    with app_server(env, log=tmp_path / "a.log") as first, app_server(env, log=tmp_path / "b.log") as second:
        statuses = [post_token(base, "victim@example.com") for base in [first, second, first, second]]
    assert statuses == [401, 401, 401, 429]
