"""Structured logs: JSON lines in production, readable console lines in development."""

import logging
import sys

import structlog


def configure(*, json: bool, level: int = logging.INFO) -> None:
    """Set up structlog and the standard library to write one event per line to stdout."""
    renderer = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=False,
    )


def init_app(app) -> None:
    """Configure logging for the app's environment."""
    configure(json=app.config["PRODUCTION"])
