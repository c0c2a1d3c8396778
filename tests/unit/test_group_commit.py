"""Group commit: units that wait together commit together, and each still succeeds or fails alone."""

import contextvars
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from minibank.group_commit import GroupCommit

caller = contextvars.ContextVar("caller", default=None)


class Bank:
    """A SQLite file with one table, and a transaction factory that counts its COMMITs."""

    def __init__(self, path, *, fail_commit: bool = False):
        self.path = path
        self.commits = 0
        self.fail_commit = fail_commit
        with self.connect() as conn:
            conn.execute("CREATE TABLE notes (text TEXT NOT NULL UNIQUE)")

    def connect(self):
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        return conn

    @contextmanager
    def transaction(self):
        conn = self.connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            if self.fail_commit:
                raise sqlite3.OperationalError("disk I/O error")
            conn.execute("COMMIT")
            self.commits += 1
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    def notes(self) -> set[str]:
        with self.connect() as conn:
            return {text for (text,) in conn.execute("SELECT text FROM notes")}


def _note(text: str):
    def work(conn):
        conn.execute("INSERT INTO notes VALUES (?)", (text,))
        return text

    return work


def _run_while_the_first_unit_holds_the_batch(group: GroupCommit, works: list) -> list:
    """Start a batch whose only unit waits until every one of ``works`` has queued behind it; return their outcomes."""
    release = threading.Event()

    def first(conn):
        assert release.wait(10)
        return "first"

    with ThreadPoolExecutor(len(works) + 1) as pool:
        leader = pool.submit(group.run, first)
        while not group.running:
            time.sleep(0.001)
        futures = [pool.submit(group.run, work) for work in works]
        deadline = time.monotonic() + 10
        while group.waiting < len(works) and time.monotonic() < deadline:
            time.sleep(0.001)
        release.set()
        assert leader.result(10) == "first"
        return [_outcome(future) for future in futures]


def _outcome(future):
    try:
        return future.result(10)
    except Exception as error:  # the caller's own error, handed back
        return error


def test_units_that_wait_together_commit_together(tmp_path):
    bank = Bank(tmp_path / "bank.db")
    group = GroupCommit(bank.transaction)

    outcomes = _run_while_the_first_unit_holds_the_batch(group, [_note(f"n{i}") for i in range(5)])

    assert outcomes == [f"n{i}" for i in range(5)]
    assert bank.notes() == {f"n{i}" for i in range(5)}
    assert bank.commits == 2  # the first unit's batch, then the five that queued behind it
    assert not group.running and group.waiting == 0


def test_a_failing_unit_is_rolled_back_alone_and_its_caller_gets_the_error(tmp_path):
    bank = Bank(tmp_path / "bank.db")
    group = GroupCommit(bank.transaction)

    def half_written(conn):
        conn.execute("INSERT INTO notes VALUES ('half')")
        raise ValueError("refused after a write")

    outcomes = _run_while_the_first_unit_holds_the_batch(group, [_note("a"), half_written, _note("a"), _note("b")])

    assert outcomes[0] == "a" and outcomes[3] == "b"
    assert isinstance(outcomes[1], ValueError)
    assert isinstance(outcomes[2], sqlite3.IntegrityError)  # sees the first "a": same transaction, in order
    assert bank.notes() == {"a", "b"}
    assert bank.commits == 2


def test_a_failed_commit_fails_every_unit_of_the_batch(tmp_path):
    bank = Bank(tmp_path / "bank.db", fail_commit=True)
    group = GroupCommit(bank.transaction)

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(group.run, _note(f"n{i}")) for i in range(4)]
        outcomes = [_outcome(future) for future in futures]

    assert all(isinstance(outcome, sqlite3.OperationalError) for outcome in outcomes)
    assert bank.notes() == set()
    bank.fail_commit = False
    assert group.run(_note("after")) == "after"  # the group is not stuck
    assert bank.notes() == {"after"}


def test_work_runs_in_its_callers_context(tmp_path):
    bank = Bank(tmp_path / "bank.db")
    group = GroupCommit(bank.transaction)

    def in_context(name):
        def call():
            caller.set(name)
            return group.run(lambda conn: caller.get())

        return call

    with ThreadPoolExecutor(8) as pool:
        seen = list(pool.map(lambda name: in_context(name)(), [f"caller-{i}" for i in range(40)]))

    assert seen == [f"caller-{i}" for i in range(40)]


@pytest.mark.parametrize("threads", [2, 8])
def test_many_threads_each_get_their_own_result(tmp_path, threads):
    bank = Bank(tmp_path / "bank.db")
    group = GroupCommit(bank.transaction)

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(lambda i: group.run(_note(f"n{i}")), range(200)))

    assert results == [f"n{i}" for i in range(200)]
    assert bank.notes() == {f"n{i}" for i in range(200)}
    assert bank.commits <= 200
