"""Reads from a replica made to lag (recovery_min_apply_delay): exact for whoever just moved money, never staler than the bound."""

import threading

import pytest
from sqlalchemy import create_engine, text

from minibank import create_app, migrate
from minibank.extensions import db as app_db
from minibank.extensions import reads
from minibank.metrics import REPLICA_READS

from ..support.http import Auth
from ..support.pg_cluster import throwaway_cluster
from ..support.waiting import wait_until
from .test_backup_restore import _seed

pytestmark = pytest.mark.slow

DELAY_SECONDS = 2


def _served(where: str) -> float:
    return REPLICA_READS.labels(where)._value.get()


def _caught_up(url: str) -> bool:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()")).scalar()
    finally:
        engine.dispose()


def test_a_lagging_replica_serves_only_what_it_has_exactly(tmp_path, monkeypatch):
    with throwaway_cluster() as primary:
        engine = create_engine(primary.url)
        migrate.upgrade(engine)
        engine.dispose()
        people, numbers = _seed(primary.url, 3)
        replica = primary.sibling(primary.data.parent / "replica")
        primary.run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres",
            "-D", str(replica.data), "-X", "stream", "-R", "-c", "fast",
        )  # fmt: skip
        replica.configure(recovery_min_apply_delay=f"{DELAY_SECONDS}s")
        replica.start()
        monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "instance"))
        app = create_app(
            {
                "TESTING": True,
                "RATELIMIT_ENABLED": False,
                "DATABASE_URL": primary.url,
                "DATABASE_REPLICA_URL": replica.url,
                "REPLICA_MAX_LAG_MS": 60_000,
            }
        )
        client = app.test_client()
        alice, bob = (Auth(client).bearer(person.email) for person in people[:2])

        def history(headers, number) -> list[str]:
            response = client.get(f"/api/v1/accounts/{number}/transactions", headers=headers)
            assert response.status_code == 200, response.get_json()
            return [item["memo"] for item in response.get_json()["items"]]

        def send(memo) -> None:
            body = {"from_account": numbers[0], "to_account": numbers[1], "amount": "1.00", "memo": memo}
            assert client.post("/api/v1/transfers", json=body, headers=alice).status_code == 201

        try:
            wait_until(lambda: _caught_up(replica.url), "the replica to catch up", seconds=30)
            on_replica = _served("replica")
            assert "test funding" in history(alice, numbers[0])
            assert _served("replica") == on_replica + 1  # caught up: the replica answers

            send("rent")
            on_primary = _served("primary")
            assert history(alice, numbers[0])[0] == "rent"  # the sender reads it at once
            assert history(bob, numbers[1])[0] == "rent"  # and so does the receiver
            assert _served("primary") == on_primary + 2  # the replica did not have it yet

            wait_until(lambda: _caught_up(replica.url), "the replica to replay the transfer", seconds=30)
            on_replica = _served("replica")
            assert history(alice, numbers[0])[0] == "rent"
            assert _served("replica") == on_replica + 1

            # The bound: while the replica trails by its delay, even an untouched account is read
            # from the primary once the bound is below the delay.
            stop = threading.Event()

            def keep_writing() -> None:
                n = 0
                while not stop.is_set():
                    n += 1
                    send(f"load {n}")

            writer = threading.Thread(target=keep_writing)
            writer.start()
            try:
                wait_until(lambda: not _caught_up(replica.url), "the replica to trail")
                carol = Auth(client).bearer(people[2].email)
                reads.max_lag, reads._checked = 0.5, 0.0
                on_primary = _served("primary")
                wait_until(lambda: (history(carol, numbers[2]), _served("primary") > on_primary)[1], "a bounded read")
            finally:
                stop.set()
                writer.join(30)
        finally:
            app_db.dispose()
            if reads.replica is not None:
                reads.replica.dispose()
            reads.replica = None
