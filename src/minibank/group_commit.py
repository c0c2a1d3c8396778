"""SQLite: the write transactions waiting in one process commit together, one COMMIT for all."""

import contextvars
import os
import threading
import weakref
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

MAX_BATCH = 64

_groups: "weakref.WeakSet[GroupCommit]" = weakref.WeakSet()


class _Slot:
    __slots__ = ("work", "context", "done", "leads", "result", "error")

    def __init__(self, work: Callable[[Any], Any]):
        self.work = work
        self.context = contextvars.copy_context()
        self.done = threading.Event()
        self.leads = False
        self.result = None
        self.error: BaseException | None = None


class GroupCommit:
    """Leader and followers: whoever finds no batch running runs everyone's work in one transaction.

    SQLite has one writer at a time, and its COMMIT (the WAL write and fsync) costs more than
    a transfer's statements. So while one batch holds the write lock, the units of work that
    arrive queue up, and the next batch runs them all between one BEGIN IMMEDIATE and one
    COMMIT, each in a savepoint of its own: a unit that fails is rolled back alone, and its
    error goes to its caller. No caller hears of success before the COMMIT is durable; a failed
    COMMIT fails every unit of the batch. Durability and isolation are unchanged: each unit still
    runs alone on the one write connection and sees everything committed or written before it.

    Work runs in the leader's thread but inside its caller's context variables (the request
    context, log bindings). Written by hand: no library batches DB-API transactions.
    """

    def __init__(self, transaction: Callable[[], AbstractContextManager[Any]]):
        self._transaction = transaction
        self.renew()
        _groups.add(self)

    def renew(self) -> None:
        """Fresh locks, nothing queued or held (after a fork, or once gevent has patched threading)."""
        self._mutex = threading.Lock()
        self._queue: list[_Slot] = []
        self._running = False

    @property
    def running(self) -> bool:
        """True while a batch runs."""
        return self._running

    @property
    def waiting(self) -> int:
        """How many units wait for the next batch."""
        return len(self._queue)

    def run(self, work: Callable[[Any], Any]) -> Any:
        """Run ``work(connection)`` in the next batch and return its result once the batch has committed."""
        slot = _Slot(work)
        with self._mutex:
            self._queue.append(slot)
            leads = slot.leads = not self._running
            self._running = True
        if not leads:
            slot.done.wait()
        if slot.leads:
            self._lead()
        if slot.error is not None:
            raise slot.error
        return slot.result

    def _lead(self) -> None:
        with self._mutex:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
        try:
            with self._transaction() as conn:
                for slot in batch:
                    _run_in_savepoint(conn, slot)
        except BaseException as error:
            for slot in batch:
                slot.error, slot.result = error, None
        finally:
            with self._mutex:
                successor = self._queue[0] if self._queue else None
                self._running = successor is not None
            if successor is not None:
                successor.leads = True
                successor.done.set()
            for slot in batch:
                slot.leads = False
                slot.done.set()


def _run_in_savepoint(conn, slot: _Slot) -> None:
    conn.execute("SAVEPOINT unit")
    try:
        slot.result = slot.context.run(slot.work, conn)
    except Exception as error:
        conn.execute("ROLLBACK TO unit")
        slot.error = error
    conn.execute("RELEASE unit")


def _reset_after_fork() -> None:
    for group in list(_groups):
        group.renew()


os.register_at_fork(after_in_child=_reset_after_fork)
