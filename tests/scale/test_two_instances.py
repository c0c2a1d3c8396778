"""Two production servers, two gunicorn masters, on one PostgreSQL and one Redis: one bank."""

import pytest

from ..support.production import production_env, production_servers
from ..support.servers import post_wrong_password
from .bank import assert_bank_test_passes

pytestmark = pytest.mark.slow


def test_bank_across_two_servers(postgres_url, redis_url, tmp_path):
    env = production_env(postgres_url, tmp_path, redis_url=redis_url)
    with production_servers(env, tmp_path, count=2) as servers:
        assert_bank_test_passes([server.base for server in servers], env)
    assert [server.process.returncode for server in servers] == [0, 0]


def test_login_limit_is_counted_once_across_both(postgres_url, redis_url, tmp_path):
    env = production_env(
        postgres_url,
        tmp_path,
        redis_url=redis_url,
        MINIBANK_RATELIMIT_ENABLED="true",
        MINIBANK_RATELIMIT_LOGIN="4 per minute",
        MINIBANK_LOGIN_LOCKOUT="100 per minute",
    )
    # Two workers each: four processes, any of which may answer, and one count between them.
    with production_servers(env, tmp_path, count=2) as servers:
        bases = [server.base for server in servers] * 3
        statuses = [post_wrong_password(base, f"user{i}@example.com") for i, base in enumerate(bases)]
    # Four attempts in all, alternating servers, then both refuse: not four on each.
    assert statuses == [401, 401, 401, 401, 429, 429]
