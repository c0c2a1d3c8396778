"""Leader and followers: the items waiting in one process are handled together, one batch at a time."""

import os
import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar, cast

Item = TypeVar("Item")
Result = TypeVar("Result")

_batchers: "weakref.WeakSet[Batcher]" = weakref.WeakSet()


class _Slot:
    __slots__ = ("done", "item", "leads", "outcome")

    def __init__(self, item):
        self.item = item
        self.done = threading.Event()
        self.leads = False
        self.outcome: object = None


class Batcher(Generic[Item, Result]):
    """Whoever finds no batch running handles everything that waits, in its own thread.

    ``handle(items)`` returns one outcome per item, in order: a result, or an exception to raise
    in that item's caller. While a batch runs, newcomers queue; when it ends, the first of them
    leads the next batch. No caller returns before its batch is done. Written by hand: the
    queue libraries hand work to a thread of their own, which a gevent worker would have to
    share with every greenlet; here the caller's own thread (or greenlet) does the work.
    """

    def __init__(self, handle: Callable[[list[Item]], list[Result | BaseException]], *, max_batch: int):
        self._handle = handle
        self._max_batch = max_batch
        self.renew()
        _batchers.add(self)

    def renew(self) -> None:
        """Fresh locks, nothing queued (after a fork, or once gevent has patched threading)."""
        self._mutex = threading.Lock()
        self._queue: list[_Slot] = []
        self._running = False

    def submit(self, item: Item) -> Result:
        """Handle ``item`` in the next batch and return its result (or raise its error)."""
        slot = _Slot(item)
        with self._mutex:
            self._queue.append(slot)
            slot.leads = not self._running
            self._running = True
        if not slot.leads:
            slot.done.wait()
        if slot.leads:
            self._lead()
        if isinstance(slot.outcome, BaseException):
            raise slot.outcome
        return cast(Result, slot.outcome)  # not an exception: the handler's result for this item

    def _lead(self) -> None:
        with self._mutex:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
        try:
            outcomes = self._handle([slot.item for slot in batch])
        except BaseException as error:
            outcomes = [error] * len(batch)
        finally:
            with self._mutex:
                successor = self._queue[0] if self._queue else None
                self._running = successor is not None
            if successor is not None:
                successor.leads = True
                successor.done.set()
        if len(outcomes) != len(batch):
            # Every caller must wake: a short list would leave the rest waiting for ever.
            wrong = RuntimeError(f"the batch's handler returned {len(outcomes)} outcomes for {len(batch)} items")
            outcomes = [wrong] * len(batch)
        for slot, outcome in zip(batch, outcomes, strict=True):
            slot.outcome = outcome
            slot.leads = False
            slot.done.set()


def _reset_after_fork() -> None:
    for batcher in list(_batchers):
        batcher.renew()


os.register_at_fork(after_in_child=_reset_after_fork)
