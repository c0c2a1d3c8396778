"""PostgreSQL connections lost around a transfer: replaced when idle; a move cut off before COMMIT runs again, once."""

import threading

import psycopg
import pytest

from minibank.services import transfers

from ..support.ledger import assert_ledger_clean, snapshot
from ..support.waiting import wait_until


@pytest.fixture
def admin(database_url):
    """A psycopg connection of its own to the test database (autocommit)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("connections are lost this way on PostgreSQL only")
    conn = psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
    yield conn
    conn.close()


def _send(db, alice, source, destination):
    return transfers.transfer(db, actor_id=alice.id, source=source.number, destination=destination.number, amount=100)


def test_pooled_connections_the_server_closed_are_replaced_before_a_transfer(db, admin, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    _send(db, alice, source, destination)  # the pool now holds a connection
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    )
    wait_until(
        lambda: (
            admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            == 0
        ),
        "the backends to exit",
    )
    assert _send(db, alice, source, destination).transfer.amount == 100
    assert_ledger_clean(db)


def test_a_connection_lost_before_the_commit_is_replaced_and_the_move_happens_once(db, admin, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    before = snapshot(db)
    outcome = {}

    def move():
        try:
            outcome["result"] = _send(db, alice, source, destination)
        except Exception as error:
            outcome["error"] = error

    with admin.transaction():
        # Hold the destination's row so the batch waits in its locking read, then cut it off.
        admin.execute("SELECT 1 FROM accounts WHERE number = %s FOR UPDATE", (destination.number,))
        mover = threading.Thread(target=move)
        mover.start()
        waiting = (
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND query LIKE '%%FOR UPDATE%%' AND pid <> pg_backend_pid()"
        )

        def waiter():
            # Activity is read once per transaction unless the snapshot is cleared.
            admin.execute("SELECT pg_stat_clear_snapshot()")
            return admin.execute(waiting).fetchone()

        wait_until(lambda: waiter() is not None, "the move to wait for the lock")
        admin.execute(f"SELECT pg_terminate_backend(pid) FROM ({waiting}) AS w")
        # Nothing was written before the loss, so the engine runs the batch again on a new connection.
        wait_until(lambda: "error" in outcome or waiter() is not None, "the move to wait again")
        assert "error" not in outcome, outcome
    mover.join(30)
    assert outcome.get("result") is not None, outcome
    after = snapshot(db)
    assert after["transfers"] == before["transfers"] + 1
    assert_ledger_clean(db)
