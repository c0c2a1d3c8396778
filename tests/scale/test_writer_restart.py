"""The SQLite writer process SIGKILLed under load: the master starts it again within seconds,
transfers go on meanwhile, sealing resumes, and nothing acknowledged is lost."""

import os
import signal
import subprocess
import threading

import pytest
import requests

from minibank.db import Database

from ..support.factories import PASSWORD, Factory
from ..support.ledger import verify_commands
from ..support.production import production_env, production_servers
from ..support.waiting import wait_until

pytestmark = pytest.mark.slow


def _writer_pid(master: int) -> int | None:
    run = subprocess.run(
        ["pgrep", "-P", str(master), "-f", "minibank.ops.sqlite_writer"], capture_output=True, text=True
    )
    pids = run.stdout.split()
    return int(pids[0]) if pids else None


def test_a_killed_writer_is_started_again_and_nothing_is_lost(sqlite_url, tmp_path):
    db = Database(sqlite_url, pool_size=1)
    factory = Factory(db, currency="USD")
    users = [factory.user(email=f"w{i}@example.com") for i in range(2)]
    numbers = [factory.account(owner=user, balance=1_000_000).number for user in users]
    env = production_env(sqlite_url, tmp_path)
    statuses: list[int] = []
    with production_servers(env, tmp_path, workers=2, threads=None) as [server]:
        token = requests.post(
            f"{server.base}/api/v1/auth/token", json={"email": users[0].email, "password": PASSWORD}, timeout=30
        ).json()["access_token"]
        stop = threading.Event()

        def send() -> None:
            body = {"from_account": numbers[0], "to_account": numbers[1], "amount": "0.01"}
            headers = {"Authorization": f"Bearer {token}"}
            while not stop.is_set():
                response = requests.post(f"{server.base}/api/v1/transfers", json=body, headers=headers, timeout=30)
                statuses.append(response.status_code)

        sender = threading.Thread(target=send)
        sender.start()
        try:
            wait_until(lambda: len(statuses) > 50, "transfers")
            first = _writer_pid(server.process.pid)
            assert first is not None
            os.kill(first, signal.SIGKILL)
            wait_until(lambda: _writer_pid(server.process.pid) not in (None, first), "a new writer", seconds=10)
            before = len(statuses)
            wait_until(lambda: len(statuses) > before + 50, "transfers through the new writer")
        finally:
            stop.set()
            sender.join(60)
        wait_until(lambda: server_unsealed(db) == 0, "sealing to catch up", seconds=20)
        log = server.tail(10**7)
    received = db.read(
        lambda conn: conn.exec_driver_sql(
            "SELECT count(*) FROM transfers WHERE kind = 'transfer' AND source_id = "
            f"(SELECT id FROM accounts WHERE number = '{numbers[0]}')"
        ).scalar()
    )
    db.dispose()
    print(f"writer restart: {len(statuses)} transfers answered, statuses {sorted(set(statuses))}")
    assert set(statuses) <= {201, 503} and statuses.count(201) > 60
    assert received >= statuses.count(201)  # every acknowledged one is there (a 503 may have committed)
    assert "sqlite_writer.restarted" in log
    assert verify_commands(sqlite_url) == []


def server_unsealed(db) -> int:
    """Audit events not yet in the chain."""
    return db.read(lambda conn: conn.exec_driver_sql("SELECT count(*) FROM audit_events WHERE seq IS NULL").scalar())
