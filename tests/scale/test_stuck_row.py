"""One account's row held FOR UPDATE elsewhere: its transfers answer 503 in time, everyone else's go through."""

import threading
import time

import psycopg
import pytest
import requests

from minibank.db import Database

from ..support.factories import PASSWORD, Factory
from ..support.production import production_env, production_servers

pytestmark = pytest.mark.slow

HOLD_SECONDS = 8
DEADLINE = 6  # far past the bank's lock deadline (2 s), short of the hold


def _token(base: str, email: str) -> dict:
    response = requests.post(f"{base}/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=10)
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _send(base, headers, source, destination) -> requests.Response:
    body = {"from_account": source, "to_account": destination, "amount": "0.01"}
    return requests.post(f"{base}/api/v1/transfers", json=body, headers=headers, timeout=DEADLINE)


def test_a_row_held_elsewhere_stalls_only_its_own_transfers(postgres_url, tmp_path):
    db = Database(postgres_url, pool_size=1)
    factory = Factory(db, currency="USD")
    people = [factory.user(email=f"stuck{i}@example.com") for i in range(3)]
    hot, *others = [factory.account(owner=person, balance=100_000).number for person in people]
    db.dispose()
    env = production_env(postgres_url, tmp_path)
    # The bank's own defaults for threads, as a newcomer gets them.
    with production_servers(env, tmp_path, workers=2, threads=None) as [server]:
        hot_owner, *other_owners = [_token(server.base, person.email) for person in people]
        holder = psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://"))
        holder.execute("SELECT 1 FROM accounts WHERE number = %s FOR UPDATE", (hot,))
        released = threading.Event()
        threading.Timer(HOLD_SECONDS, lambda: (holder.rollback(), released.set())).start()
        try:
            started = time.monotonic()
            stuck = _send(server.base, hot_owner, hot, others[0])
            waited = time.monotonic() - started
            others_sent = [
                _send(server.base, other_owners[i % 2], others[i % 2], others[(i + 1) % 2]).status_code
                for i in range(20)
            ]
            health = requests.get(f"{server.base}/healthz", timeout=DEADLINE).status_code
            assert not released.is_set(), "the row was released before the checks ended: the test proves nothing"
        finally:
            released.wait(HOLD_SECONDS + 5)
            holder.close()
        after = _send(server.base, hot_owner, hot, others[0])
    print(f"stuck row: the held account's transfer answered {stuck.status_code} after {waited:.1f} s")
    problem = stuck.json()
    assert stuck.status_code == 503 and problem["code"] == "busy" and stuck.headers["Retry-After"], problem
    assert others_sent == [201] * 20 and health == 200
    assert after.status_code == 201
