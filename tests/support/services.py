"""Whether a service the tests need is reachable; in CI a missing one fails the test."""

import os

import pytest


def in_ci() -> bool:
    """True on the CI runner, where every service must be present."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(service: str, reason: str) -> None:
    """Skip with a visible reason locally; fail in CI."""
    if in_ci():
        pytest.fail(f"{service} is required in CI: {reason}")
    pytest.skip(f"{service} not available: {reason}")


REDIS_URL = os.environ.get("MINIBANK_TEST_REDIS_URL") or ("redis://127.0.0.1:6379/0" if in_ci() else None)


@pytest.fixture
def redis_url():
    """A reachable Redis, or a skip (a failure in CI)."""
    import redis

    if not REDIS_URL:
        require("Redis", "set MINIBANK_TEST_REDIS_URL to run the Redis tests")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        require("Redis", f"cannot reach {REDIS_URL}: {error}")
    return REDIS_URL
