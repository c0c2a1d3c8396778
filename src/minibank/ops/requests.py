"""Per-request plumbing: a request id on every log line, one summary line, and metrics."""

import re
import time
import uuid
from functools import lru_cache

import structlog
from flask import Flask, Response, g, request

from ..metrics import RATE_LIMITED, REQUEST_SECONDS, REQUESTS

HEADER = "X-Request-ID"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Unmatched paths share one label: raw paths would let any client mint metric series.
UNMATCHED = "<unmatched>"

log = structlog.get_logger("minibank.requests")


def request_id_from(value: str | None) -> str:
    """The caller's request id when well-formed, else a fresh one."""
    if value and _WELL_FORMED.fullmatch(value):
        return value
    return uuid.uuid4().hex


def _start() -> None:
    g.request_id = request_id_from(request.headers.get(HEADER))
    g.request_started = time.perf_counter()
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=g.request_id)


# One child per (method, route, status), looked up once: labels() takes a lock and checks
# its arguments on every call, and routes are a small fixed set (see UNMATCHED).
@lru_cache(maxsize=1024)
def _request_metrics(method: str, route: str, status: str):
    return REQUESTS.labels(method, route, status), REQUEST_SECONDS.labels(method, route, status)


def _finish(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id is None:  # a response made before _start ran (another before_request failed early)
        return response
    response.headers[HEADER] = request_id
    seconds = time.perf_counter() - g.request_started
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    count, latency = _request_metrics(request.method, route, str(response.status_code))
    count.inc()
    latency.observe(seconds)
    if response.status_code == 429:
        RATE_LIMITED.labels(route).inc()
    log.info(
        "request",
        method=request.method,
        route=route,
        status=response.status_code,
        duration_ms=round(seconds * 1000, 2),
        user_id=g.get("user_id"),
    )
    return response


def _forget(_error=None) -> None:
    structlog.contextvars.clear_contextvars()


def init_app(app: Flask) -> None:
    """Give every request an id, a summary log line and request metrics."""
    # First in line, so the id is bound before any other hook logs.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.teardown_request(_forget)
