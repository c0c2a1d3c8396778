"""PostgreSQL failover under load: the primary SIGKILLed, its synchronous standby promoted, no acknowledged cent lost.

Two local clusters the test starts itself: a primary and a hot standby streaming from it,
with `synchronous_standby_names` so that an acknowledged commit is on both. The bank's URL
names both hosts with `target_session_attrs=read-write`, so it finds the new primary by
itself. Afterwards every acknowledged transfer is there exactly once, nothing answered as a
certain refusal is there, and both verify commands are clean.
"""

import os
import signal
import subprocess
import threading
import time
from collections import Counter

import pytest
import requests
from sqlalchemy import create_engine, text

from minibank import migrate

from ..support.factories import PASSWORD
from ..support.ledger import verify_commands
from ..support.pg_cluster import throwaway_cluster
from ..support.production import production_env, production_servers
from ..support.waiting import wait_until
from .test_backup_restore import _memos, _seed

pytestmark = pytest.mark.slow

CLIENTS = 4


def _sigkill(cluster) -> None:
    """SIGKILL the postmaster and every backend: the host as good as gone."""
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGSTOP)  # no new backend forks while the others are killed
    subprocess.run(["pkill", "-KILL", "-P", str(postmaster)])
    os.kill(postmaster, signal.SIGKILL)
    wait_until(lambda: subprocess.run(["pgrep", "-P", str(postmaster)]).returncode != 0, "the backends to die")


def _client(base, token, source, destination, index, stop, answers) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for n in range(10**9):
        if stop.is_set():
            return
        memo = f"c{index}-{n}"
        body = {"from_account": source, "to_account": destination, "amount": "0.01", "memo": memo}
        started = time.monotonic()
        try:
            response = requests.post(f"{base}/api/v1/transfers", json=body, headers=headers, timeout=60)
        except requests.RequestException:
            answers.append((memo, 0, None, started, time.monotonic()))
            continue
        code = response.json().get("code") if response.status_code >= 400 else None
        answers.append((memo, response.status_code, code, started, time.monotonic()))
        if response.status_code >= 500:
            time.sleep(0.1)


def test_failover_to_the_synchronous_standby_loses_no_acknowledged_transfer(tmp_path):
    with throwaway_cluster() as primary:
        engine = create_engine(primary.url)
        migrate.upgrade(engine)
        engine.dispose()
        people, numbers = _seed(primary.url, CLIENTS)

        standby = primary.sibling(primary.data.parent / "standby")
        primary.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(standby.data), "-X", "stream", "-R", "-c", "fast",
        )  # fmt: skip
        standby.start()
        primary.configure(synchronous_standby_names="*")  # every standby: the one there is
        primary.run("pg_ctl", "-D", str(primary.data), "reload")
        wait_until(lambda: _sync_state(primary.url) == "sync", "the standby to be synchronous")

        both = (
            "postgresql+psycopg://postgres@/postgres"
            f"?host=127.0.0.1:{primary.port}&host=127.0.0.1:{standby.port}&target_session_attrs=read-write"
        )
        env = production_env(both, tmp_path)
        stop, answers = threading.Event(), []
        with production_servers(env, tmp_path) as [server]:
            tokens = [
                requests.post(
                    f"{server.base}/api/v1/auth/token", json={"email": p.email, "password": PASSWORD}, timeout=30
                ).json()["access_token"]
                for p in people
            ]
            clients = [
                threading.Thread(
                    target=_client,
                    args=(server.base, tokens[i], numbers[i], numbers[(i + 1) % CLIENTS], i, stop, answers),
                )
                for i in range(CLIENTS)
            ]
            for client in clients:
                client.start()
            try:
                wait_until(lambda: sum(a[1] == 201 for a in answers) > 200, "transfers on the primary")
                _sigkill(primary)
                killed = time.monotonic()
                time.sleep(1)  # as an operator (or Patroni) decides that the primary is gone
                standby.run("pg_ctl", "-D", str(standby.data), "-w", "promote")
                # Back: the first transfer sent after the kill that was acknowledged.
                wait_until(lambda: any(a[1] == 201 and a[3] > killed for a in answers), "transfers again", 60)
                back = min(a[4] for a in answers if a[1] == 201 and a[3] > killed)
                wait_until(lambda: sum(a[1] == 201 and a[3] > back for a in answers) > 100, "transfers after")
            finally:
                stop.set()
                for client in clients:
                    client.join(90)
        found = _memos(standby.url)
        problems = verify_commands(standby.url)
    seen = Counter((status, code) for _, status, code, *_ in answers)
    outage = back - killed
    print(f"failover: outage {outage:.1f} s; answers {dict(seen)}; {sum(found.values())} transfers on the new primary")
    assert problems == []
    assert not [memo for memo, count in found.items() if count > 1], "paid twice"
    lost = [memo for memo, status, *_ in answers if status == 201 and memo not in found]
    assert not lost, f"acknowledged but lost in the failover: {lost[:10]}"
    denied = [memo for memo, status, code, *_ in answers if status not in (0, 201) and code != "outcome_unknown"]
    assert not [memo for memo in denied if memo in found], "answered as refused, yet committed"
    assert not [a for a in answers if a[1] == 500], "a 500 during the failover"


def _sync_state(url: str) -> str | None:
    engine = create_engine(url)
    with engine.connect() as conn:
        state = conn.execute(text("SELECT sync_state FROM pg_stat_replication LIMIT 1")).scalar()
    engine.dispose()
    return state
