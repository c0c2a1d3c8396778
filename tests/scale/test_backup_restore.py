"""Restore drills: a backup taken while the bank serves restores into a fresh database that verifies.

SQLite: `minibank backup DEST` under load, the copy put in place as the recipe says.
PostgreSQL: the recipe of docs/production.md, a base backup (pg_basebackup) under load and
the archived WAL replayed on top of it. Each restored bank passes `verify-ledger` and
`verify-audit --anchor` with the head recorded at backup time, and holds every transfer
acknowledged before the backup (PostgreSQL: before the last archived WAL) exactly once.
"""

import re
import shutil
import subprocess
import sys
import threading
from collections import Counter

import pytest
import requests
from sqlalchemy import create_engine, text

from minibank import migrate
from minibank.db import Database

from ..support.factories import PASSWORD, Factory
from ..support.ledger import verify_commands
from ..support.pg_cluster import as_postgres, give_to_postgres, throwaway_cluster
from ..support.production import production_env, production_servers
from ..support.waiting import wait_until

pytestmark = pytest.mark.slow


class Load:
    """Keyless transfers with unique memos between two customers, recorded by their answers."""

    def __init__(self, base: str, people, numbers):
        self.base, self.acknowledged, self._stop = base, [], threading.Event()
        token = requests.post(
            f"{base}/api/v1/auth/token", json={"email": people[0].email, "password": PASSWORD}, timeout=30
        ).json()["access_token"]
        self._headers = {"Authorization": f"Bearer {token}"}
        self._numbers = numbers
        self._thread = threading.Thread(target=self._send)

    def _send(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            body = {"from_account": self._numbers[0], "to_account": self._numbers[1], "amount": "0.01", "memo": f"t{n}"}
            response = requests.post(f"{self.base}/api/v1/transfers", json=body, headers=self._headers, timeout=30)
            if response.status_code == 201:
                self.acknowledged.append(f"t{n}")

    def __enter__(self):
        self._thread.start()
        wait_until(lambda: len(self.acknowledged) > 30, "transfers under way")
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join(60)


def _minibank(url: str, *args: str) -> str:
    env = {"MINIBANK_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [sys.executable, "-m", "minibank.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def _audit_head(url: str) -> str:
    return re.search(r"head (\d+:[0-9a-f]{64})", _minibank(url, "verify-audit", "--no-seal")).group(1)


def _memos(url: str) -> Counter:
    engine = create_engine(url)
    with engine.connect() as conn:
        memos = Counter(row[0] for row in conn.execute(text("SELECT memo FROM transfers WHERE kind = 'transfer'")))
    engine.dispose()
    return memos


def _seed(url: str, count: int = 2):
    """``count`` customers with a funded account each: (users, account numbers)."""
    db = Database(url, pool_size=1)
    factory = Factory(db, currency="USD")
    people = [factory.user(email=f"b{i}@example.com") for i in range(count)]
    numbers = [factory.account(owner=person, balance=1_000_000).number for person in people]
    db.dispose()
    return people, numbers


def test_sqlite_backup_under_load_restores_and_verifies(sqlite_url, tmp_path):
    people, numbers = _seed(sqlite_url)
    env = production_env(sqlite_url, tmp_path)
    backup = tmp_path / "backup.db"
    with production_servers(env, tmp_path) as [server], Load(server.base, people, numbers) as load:
        anchor = _audit_head(sqlite_url)
        before = list(load.acknowledged)
        printed = _minibank(sqlite_url, "backup", str(backup))
    head = re.search(r"audit head (\d+:[0-9a-f]{64})", printed).group(1)
    # The recipe: stop the bank, put the copy in place of the database file, start it again.
    restored = tmp_path / "restored" / "minibank.db"
    restored.parent.mkdir()
    shutil.copy(backup, restored)
    url = f"sqlite:///{restored}"
    _minibank(url, "verify-audit", "--no-seal", "--anchor", anchor, "--anchor", head)
    assert verify_commands(url) == []
    found = _memos(url)
    print(f"sqlite restore drill: {len(found)} transfers restored, {len(load.acknowledged)} acknowledged in all")
    assert all(found[memo] == 1 for memo in before), "a transfer acknowledged before the backup is missing"
    assert all(count == 1 for count in found.values())


def test_postgres_base_backup_and_archived_wal_restore_and_verify(tmp_path):
    with throwaway_cluster() as primary:
        archive = primary.data.parent / "archive"
        archive.mkdir()
        give_to_postgres(archive)
        primary.configure(archive_mode="on", archive_command=f"cp %p {archive}/%f")
        primary.stop()
        primary.start()
        url = primary.url
        engine = create_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        people, numbers = _seed(url)
        env = production_env(url, tmp_path)
        base = primary.data.parent / "base"
        with production_servers(env, tmp_path) as [server], Load(server.base, people, numbers) as load:
            anchor = _audit_head(url)
            primary.run(
                "pg_basebackup",
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(base),
                "-X",
                "stream",
                "-c",
                "fast",
            )
            after_backup = len(load.acknowledged)
            wait_until(lambda: len(load.acknowledged) > after_backup + 60, "transfers after the backup")
        # Everything acknowledged so far is committed; switching the WAL file sends it to the archive.
        acknowledged = list(load.acknowledged)
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            segment = conn.execute(text("SELECT pg_walfile_name(pg_switch_wal())")).scalar()
        engine.dispose()
        wait_until((archive / segment).exists, "the last WAL segment in the archive")
        # The recipe: the base backup as a new data folder, the archive replayed on top of it.
        restored = primary.sibling(base)
        restored.configure(archive_mode="off", restore_command=f"cp {archive}/%f %p")
        subprocess.run(as_postgres(["touch", str(base / "recovery.signal")]), check=True)
        restored.start()
        wait_until(lambda: _recovered(restored.url), "recovery to end", seconds=60)
        _minibank(restored.url, "verify-audit", "--no-seal", "--anchor", anchor)
        problems = verify_commands(restored.url)
        found = _memos(restored.url)
    print(f"postgres restore drill: {len(found)} transfers restored, {len(acknowledged)} acknowledged")
    assert problems == []
    assert all(found[memo] == 1 for memo in acknowledged), "an acknowledged transfer is missing from the restore"
    assert all(count == 1 for count in found.values())


def _recovered(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not conn.execute(text("SELECT pg_is_in_recovery()")).scalar()
    finally:
        engine.dispose()
