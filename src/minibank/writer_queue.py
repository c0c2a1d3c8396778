"""SQLite's one writer at a time, queued in the kernel across every process and thread."""

import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

_queues: "weakref.WeakSet[WriterQueue]" = weakref.WeakSet()


class WriterQueue:
    """Writers wait for their turn on a blocking ``flock`` instead of in SQLite's busy handler.

    SQLite's busy handler sleeps and retries with growing pauses (up to 100 ms), so under load
    a writer often sleeps while the lock is free, and the machine idles. A blocking flock wakes
    the next writer the moment the last one is done. Written by hand because the lock-file
    libraries (filelock and the like) poll with sleeps as well.
    """

    def __init__(self, path: str):
        self._path = path
        self._fd: int | None = None
        self.renew()
        _queues.add(self)

    def renew(self) -> None:
        """Fresh locks, nothing queued or held (after a fork, or once gevent has patched threading)."""
        # A forked child must not share its parent's open file description (and with it a
        # held flock), nor a thread lock or "held" mark copied while the parent held them.
        if self._fd is not None:
            os.close(self._fd)
        self._fd = None
        self._threads = threading.Lock()
        self._held = threading.local()

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold the write turn for the duration of the block (re-entrant within a thread)."""
        if getattr(self._held, "yes", False):
            yield
            return
        with self._threads:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._held.yes = True
            try:
                yield
            finally:
                self._held.yes = False
                fcntl.flock(self._fd, fcntl.LOCK_UN)


def _reset_after_fork() -> None:
    for queue in list(_queues):
        queue.renew()


os.register_at_fork(after_in_child=_reset_after_fork)
