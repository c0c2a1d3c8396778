"""Long CPU work off gevent's loop, when the process runs on gevent (SQLite's serving)."""

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def _patched() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and monkey.is_module_patched("threading")


def off_loop(work: Callable[..., T], *args) -> T:
    """``work(*args)``; under gevent, in a real thread, so the process's other requests go on.

    For work that releases the GIL (argon2): in a greenlet it would stop every other
    request of the process for its whole duration (tens of milliseconds for a hash).
    """
    if not _patched():
        return work(*args)
    import gevent

    return gevent.get_hub().threadpool.apply(work, args)
