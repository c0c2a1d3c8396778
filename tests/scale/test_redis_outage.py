"""Redis killed, then frozen (SIGSTOP), under a production server: nothing answers 500 or hangs.

Rate limits fall back to each process's memory (logged, counted in the metrics); what
protects accounts (the login lockout, token revocation) lives in the database and holds;
/readyz says "degraded" and keeps the instance in rotation.
"""

import shutil
import signal
import subprocess
import time

import pytest
import requests

from ..support.databases import DATABASES, database_url_for
from ..support.factories import PASSWORD, Factory
from ..support.production import production_env, production_servers
from ..support.servers import free_port
from ..support.services import require
from ..support.waiting import wait_until

pytestmark = pytest.mark.slow

# A request that waits on Redis longer than this has hung: the bank's Redis deadline is 300 ms.
DEADLINE = 5


class RedisServer:
    """A redis-server of the test's own, which it may kill, start again, freeze and thaw."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start it and wait until it answers."""
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(self._answers, "redis-server to answer")

    def _answers(self) -> bool:
        run = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True, timeout=5)
        return run.stdout.strip() == "PONG"

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the server."""
        self.process.send_signal(signum)

    def kill(self) -> None:
        """SIGKILL, and reaped."""
        self.signal(signal.SIGKILL)
        self.process.wait()


def _exercise(base: str, email: str, number: str, payee: str) -> dict[str, int]:
    """A customer's round through the bank: every status, which must all come within the deadline."""
    statuses = {}

    def call(name, method, path, **options):
        response = requests.request(method, f"{base}{path}", timeout=DEADLINE, **options)
        statuses[name] = response.status_code
        return response

    call("healthz", "GET", "/healthz")
    call("web login page", "GET", "/login")
    call("openapi", "GET", "/api/openapi.json")
    login = call("token", "POST", "/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    call("me", "GET", "/api/v1/me", headers=bearer)
    call("accounts", "GET", "/api/v1/accounts", headers=bearer)
    body = {"from_account": number, "to_account": payee, "amount": "0.01"}
    call("transfer", "POST", "/api/v1/transfers", json=body, headers=bearer)
    call("logout", "POST", "/api/v1/auth/revoke", headers=bearer)
    call("me after logout", "GET", "/api/v1/me", headers=bearer)
    return statuses


HEALTHY = {
    "healthz": 200,
    "web login page": 200,
    "openapi": 200,
    "token": 200,
    "me": 200,
    "accounts": 200,
    "transfer": 201,
    "logout": 204,
    "me after logout": 401,  # the revocation is in the database: it holds without Redis
}


def _wrong_passwords_until_locked(base: str, email: str) -> list[int]:
    body = {"email": email, "password": "not the password!!"}
    return [requests.post(f"{base}/api/v1/auth/token", json=body, timeout=DEADLINE).status_code for _ in range(4)]


def _readyz(base: str) -> tuple[int, dict]:
    response = requests.get(f"{base}/readyz", timeout=DEADLINE)
    return response.status_code, response.json()


@pytest.mark.parametrize("engine", DATABASES)
def test_a_sick_redis_slows_nothing_and_breaks_nothing(engine, request, tmp_path):
    if not shutil.which("redis-server"):
        require("redis-server", "the Redis outage test runs a redis-server of its own")
    url = database_url_for(engine, request, tmp_path)
    from minibank.db import Database

    db = Database(url, pool_size=1)
    factory = Factory(db, currency="USD")
    alice = factory.user(email="alice@example.com")
    factory.user(email="mallory@example.com")
    number = factory.account(owner=alice, balance=100_000).number
    payee = factory.account().number
    db.dispose()

    redis = RedisServer()
    redis.start()
    env = production_env(
        url,
        tmp_path,
        redis_url=redis.url,
        MINIBANK_RATELIMIT_ENABLED="true",
        MINIBANK_RATELIMIT_DEFAULT="10000 per minute",
        MINIBANK_RATELIMIT_LOGIN="10000 per minute",
        MINIBANK_LOGIN_LOCKOUT="3 per 10 minutes",
    )
    try:
        with production_servers(env, tmp_path) as [server]:
            assert _exercise(server.base, "alice@example.com", number, payee) == HEALTHY
            assert _readyz(server.base) == (200, {"status": "ok", "checks": {"database": "ok", "redis": "ok"}})

            redis.kill()
            seen = {}
            for _ in range(3):  # enough rounds for both workers to meet the dead Redis
                round_ = _exercise(server.base, "alice@example.com", number, payee)
                assert round_ == HEALTHY, round_
                seen.update(round_)
            assert _wrong_passwords_until_locked(server.base, "mallory@example.com") == [401, 401, 401, 429]
            status, body = _readyz(server.base)
            assert (status, body["status"], body["checks"]["redis"]) == (200, "degraded", "unreachable")

            redis.start()  # the same port: the bank finds it again
            wait_until(lambda: _readyz(server.base)[1]["status"] == "ok", "readyz to see Redis again")

            redis.signal(signal.SIGSTOP)  # frozen: connections are accepted, nothing answers
            try:
                started = time.monotonic()
                for _ in range(3):
                    round_ = _exercise(server.base, "alice@example.com", number, payee)
                    assert round_ == HEALTHY, round_
                frozen_seconds = time.monotonic() - started
                status, body = _readyz(server.base)
                assert (status, body["status"]) == (200, "degraded")
            finally:
                redis.signal(signal.SIGCONT)
            wait_until(lambda: _readyz(server.base)[1]["status"] == "ok", "readyz after Redis thawed")
            assert "rate_limits.per_process" in server.tail(10**7)

            def limits_shared_again() -> bool:
                requests.get(f"{server.base}/login", timeout=DEADLINE)
                return "rate_limits.shared_again" in server.tail(10**7)

            # Each process looks for Redis again after a pause that doubles, up to half a minute.
            wait_until(limits_shared_again, "the rate limits to be shared again", seconds=90)
            log = server.tail(10**7)
        print(f"redis outage ({engine}): three rounds of 9 requests with Redis frozen took {frozen_seconds:.1f} s")
        assert '"status": 500' not in log and '"status":500' not in log
    finally:
        if redis.process.poll() is None:
            redis.kill()
