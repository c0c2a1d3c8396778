"""PostgreSQL crashes (immediate stop) under keyless transfers: no answer denies a transfer that committed.

A transfer without an Idempotency-Key cannot be retried safely, so its answer must be
exact: 201 only if it is in the ledger once, "nothing was changed" only if it is not
there at all; when the bank cannot know, `outcome_unknown`.
"""

import http.client
import itertools
import json
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from minibank import migrate
from minibank.db import Database

from ..support.factories import PASSWORD, Factory
from ..support.ledger import verify_commands
from ..support.pg_cluster import throwaway_cluster
from ..support.production import production_env, production_servers
from ..support.waiting import wait_until

pytestmark = pytest.mark.slow

CLIENTS = 8
CRASHES = 5


def _post(base: str, path: str, body: dict, token: str = "") -> tuple[int, dict | None]:
    """(status, JSON body); status 0 and no body when no answer came."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request("POST", path, body=json.dumps(body), headers=headers)
        response = connection.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        return 0, None
    finally:
        connection.close()
    return response.status, json.loads(data) if data else {}


def _client(base, token, source, destination, index, stop, answers):
    for n in itertools.count():
        if stop.is_set():
            return
        memo = f"c{index}-{n}"
        body = {"from_account": source, "to_account": destination, "amount": "0.01", "memo": memo}
        status, problem = _post(base, "/api/v1/transfers", body, token)
        answers.append((memo, status, (problem or {}).get("code"), (problem or {}).get("detail", "")))
        if status >= 500 or status == 0:
            time.sleep(0.05)


def _ledger_memos(url: str) -> Counter:
    engine = create_engine(url)
    with engine.connect() as conn:
        memos = Counter(row[0] for row in conn.execute(text("SELECT memo FROM transfers WHERE kind = 'transfer'")))
    engine.dispose()
    return memos


def test_no_answer_denies_a_committed_transfer(tmp_path):
    with throwaway_cluster() as cluster:
        url = cluster.url
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        db = Database(url, pool_size=1)
        factory = Factory(db, currency="EUR")
        people = [factory.user(email=f"crash{i}@example.com") for i in range(CLIENTS)]
        numbers = [factory.account(owner=person, balance=1_000_000).number for person in people]
        db.dispose()
        env = production_env(url, tmp_path)
        with production_servers(env, tmp_path) as [server]:
            tokens = [
                _post(server.base, "/api/v1/auth/token", {"email": p.email, "password": PASSWORD}) for p in people
            ]
            stop, answers = threading.Event(), []
            clients = [
                threading.Thread(
                    target=_client,
                    args=(server.base, tokens[i][1]["access_token"], numbers[i], numbers[(i + 1) % CLIENTS], i),
                    kwargs={"stop": stop, "answers": answers},
                )
                for i in range(CLIENTS)
            ]
            for client in clients:
                client.start()
            try:
                for _ in range(CRASHES):
                    wait_until(lambda: sum(status == 201 for _, status, _, _ in answers[-50:]) >= 40, "transfers")
                    cluster.crash()
                    time.sleep(0.5)
                    cluster.start()
                wait_until(lambda: sum(status == 201 for _, status, _, _ in answers[-50:]) >= 20, "recovery")
            finally:
                stop.set()
                for client in clients:
                    client.join(timeout=120)
        found = _ledger_memos(url)
        problems = verify_commands(url)

    seen = Counter((status, code) for _, status, code, _ in answers)
    print(f"database crash: {CRASHES} crashes, answers {dict(seen)}, {sum(found.values())} transfers in the ledger")
    doubled = [memo for memo, count in found.items() if count > 1]
    assert not doubled, f"paid twice: {doubled}"
    lost = [memo for memo, status, _, _ in answers if status == 201 and memo not in found]
    assert not lost, f"acknowledged but not in the ledger: {lost}"
    denied = [(memo, code, detail) for memo, status, code, detail in answers if memo in found and status != 201]
    denied = [(memo, code, detail) for memo, code, detail in denied if code != "outcome_unknown"]
    assert not denied, f"committed, but answered as if nothing moved: {denied}"
    told_unchanged = [
        memo for memo, status, code, detail in answers if "Nothing was changed" in detail and memo in found
    ]
    assert not told_unchanged
    assert seen[(201, None)] > 100
    assert not problems, problems
