"""Admission control: a worker serves a bounded number of requests at once, and says so when full.

Past capacity, a request that cannot start within MINIBANK_QUEUE_WAIT_MS is answered at
once with 503 and Retry-After (problem+json on the API, a short page elsewhere), before the
app reads its body or touches the database: clients learn to come back, instead of waiting
without end in a queue that only grows. Health probes and metrics are never held back.

Hand-written: gunicorn bounds connections (worker_connections), not requests in progress,
and no maintained WSGI middleware does this with gevent's and threads' semaphores alike.
"""

import os
import threading

import orjson
import structlog

from ..metrics import REQUESTS_SHED

log = structlog.get_logger("minibank.admission")

EXEMPT = ("/healthz", "/readyz", "/metrics")
RETRY_AFTER = "1"
DETAIL = "The bank is busy right now; nothing was done. Please try again in a moment."
_PROBLEM = orjson.dumps(
    {
        "type": "urn:minibank:problem:overloaded",
        "title": "Service unavailable",
        "status": 503,
        "detail": DETAIL,
        "code": "overloaded",
    }
)
_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Busy - miniBank</title>"
    f"<main><h1>The bank is busy</h1><p>{DETAIL}</p></main></html>"
).encode()


class Admission:
    """WSGI middleware: at most ``limit`` requests in the app at once, each waiting at most ``wait`` seconds."""

    def __init__(self, app, *, limit: int, wait: float):
        self.app, self.limit, self.wait = app, limit, wait
        self._slots: threading.BoundedSemaphore | None = None
        self._pid = 0

    def _semaphore(self) -> threading.BoundedSemaphore:
        # Made in the serving process, on its first request: after the fork, and after gevent
        # patched threading, so that waiting here yields to the worker's other greenlets.
        if self._pid != os.getpid():
            self._slots, self._pid = threading.BoundedSemaphore(self.limit), os.getpid()
        assert self._slots is not None
        return self._slots

    def __call__(self, environ, start_response):
        """Serve the request if a slot frees in time; else answer 503 without calling the app."""
        if environ.get("PATH_INFO", "") in EXEMPT:
            return self.app(environ, start_response)
        slots = self._semaphore()
        if not slots.acquire(timeout=self.wait):
            REQUESTS_SHED.inc()
            log.warning("request.shed", path=environ.get("PATH_INFO", ""), in_flight=self.limit)
            api = environ.get("PATH_INFO", "").startswith("/api/")
            body = _PROBLEM if api else _PAGE
            kind = "application/problem+json" if api else "text/html; charset=utf-8"
            headers = [("Content-Type", kind), ("Content-Length", str(len(body))), ("Retry-After", RETRY_AFTER)]
            start_response("503 Service Unavailable", headers)
            return [body]
        try:
            return self.app(environ, start_response)
        finally:
            slots.release()
