"""200 keep-alive clients at once against one production server with the bank's defaults.

Every client gets answers, each an ordinary one or a quick 503 with Retry-After; none is a
500 or no answer at all; the workers' memory stays flat.
"""

import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests

from minibank.db import Database

from ..support.databases import DATABASES, database_url_for
from ..support.factories import PASSWORD, Factory
from ..support.production import production_env, production_servers

pytestmark = pytest.mark.slow

CLIENTS = 200
SECONDS = 5
ANSWER_DEADLINE = 30  # a request unanswered this long counts as no answer
CUSTOMERS = 20


def _worker_rss_kib(master_pid: int) -> int:
    """The summed resident memory of the master's children (the workers, the SQLite writer)."""
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    total = 0
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            continue
        total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
    return total


def _client(base, bearer, source, destination, stop, outcomes) -> None:
    session = requests.Session()
    body = {"from_account": source, "to_account": destination, "amount": "0.01"}
    n = 0
    while not stop.is_set():
        n += 1
        try:
            if n % 2:
                response = session.get(f"{base}/api/v1/accounts", headers=bearer, timeout=ANSWER_DEADLINE)
            else:
                response = session.post(f"{base}/api/v1/transfers", json=body, headers=bearer, timeout=ANSWER_DEADLINE)
        except requests.RequestException as error:
            outcomes.append(("no answer", type(error).__name__))
            continue
        code = response.json().get("code") if response.status_code >= 400 else None
        outcomes.append((response.status_code, code, response.headers.get("Retry-After")))
        if response.status_code == 503:
            time.sleep(float(response.headers.get("Retry-After", 1)))
    session.close()


def _round(base, people, seconds) -> list:
    stop, per_client = threading.Event(), [[] for _ in range(CLIENTS)]
    threads = []
    for i in range(CLIENTS):
        bearer, source = people[i % CUSTOMERS]
        _, destination = people[(i + 1) % CUSTOMERS]
        thread = threading.Thread(target=_client, args=(base, bearer, source, destination, stop, per_client[i]))
        threads.append(thread)
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(ANSWER_DEADLINE + 10)
    return per_client


# The bank's defaults on both engines; and a capacity far below the load, so that requests are shed.
CASES = [(engine, {}) for engine in DATABASES] + [
    ("sqlite", {"MINIBANK_MAX_IN_FLIGHT": "4", "MINIBANK_QUEUE_WAIT_MS": "50"})
]


@pytest.mark.parametrize(("engine", "capacity"), CASES, ids=["sqlite", "postgresql", "sqlite-small-capacity"])
def test_overload_is_answered_quickly_and_never_starves_a_client(engine, capacity, request, tmp_path):
    url = database_url_for(engine, request, tmp_path)
    db = Database(url, pool_size=1)
    factory = Factory(db, currency="USD")
    users = [factory.user(email=f"load{i}@example.com") for i in range(CUSTOMERS)]
    numbers = [factory.account(owner=user, balance=1_000_000).number for user in users]
    db.dispose()
    env = production_env(url, tmp_path, **capacity)
    with production_servers(env, tmp_path, workers=None, threads=None) as [server]:
        people = []
        for user, number in zip(users, numbers, strict=True):
            token = requests.post(
                f"{server.base}/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}, timeout=30
            ).json()["access_token"]
            people.append(({"Authorization": f"Bearer {token}"}, number))
        _round(server.base, people, 1)  # warm up: every worker's pools, caches and greenlets made once
        before = _worker_rss_kib(server.process.pid)
        per_client = _round(server.base, people, SECONDS)
        after = _worker_rss_kib(server.process.pid)
    seen = Counter(outcome[:2] for outcomes in per_client for outcome in outcomes)
    print(f"overload ({engine}): {CLIENTS} clients for {SECONDS} s: {dict(seen)}; workers' RSS {before} -> {after} KiB")
    answered = [outcome for outcomes in per_client for outcome in outcomes]
    assert not [o for o in answered if o[0] == "no answer"], "some requests got no answer"
    assert all(outcomes for outcomes in per_client), "a client got no answer at all"
    assert not [o for o in answered if o[0] not in (200, 201, 503)], seen
    assert all(o[2] for o in answered if o[0] == 503), "a 503 without Retry-After"
    assert after <= before * 1.10, f"workers' memory grew from {before} to {after} KiB"
    if capacity:
        shed = [o for o in answered if o[0] == 503]
        assert shed and all(o[1] == "overloaded" for o in shed), seen
        assert seen[(201, None)] > 0  # what was admitted went through
