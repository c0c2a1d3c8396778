"""Structured logs: JSON lines in production, readable console lines in development."""

import contextvars
import json
import logging
import sys
from contextlib import contextmanager

import orjson
import structlog

from .redaction import redact

# Standard output for a server; an operator command's own output keeps it (see to_stderr).
_STREAM: contextvars.ContextVar[str] = contextvars.ContextVar("minibank_log_stream", default="stdout")


def _stream_logger(*_args) -> structlog.WriteLogger:
    # Looked up per logger rather than once, so a replaced sys.stdout (tests) is honoured.
    # WriteLogger, not PrintLogger: on unbuffered stdout print() writes a line and its
    # newline in two system calls, and workers sharing stdout could interleave between them.
    return structlog.WriteLogger(getattr(sys, _STREAM.get()))


@contextmanager
def to_stderr():
    """Write log lines to standard error meanwhile: what a command prints is its result alone."""
    token = _STREAM.set("stderr")
    try:
        yield
    finally:
        _STREAM.reset(token)


def _dumps(event_dict: dict, **options) -> str:
    # orjson renders a line about ten times faster than json; it refuses only what JSON
    # itself cannot say plainly (integers beyond 64 bits, non-string keys), which json renders.
    try:
        return orjson.dumps(event_dict, default=options.get("default")).decode()
    except TypeError:
        return json.dumps(event_dict, **options)


def configure(*, json: bool, level: int = logging.INFO) -> None:
    """Set up structlog to write one event per line (to stdout unless to_stderr), secrets redacted."""
    renderer = (
        structlog.processors.JSONRenderer(serializer=_dumps) if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_stream_logger,
        cache_logger_on_first_use=False,
    )


def init_app(app) -> None:
    """Configure logging for the app's environment."""
    configure(json=app.config["PRODUCTION"])
