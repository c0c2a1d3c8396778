"""Health checks: /healthz (process alive) and /readyz (database reachable and migrated)."""

from flask import Blueprint, current_app
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from .. import migrate

bp = Blueprint("health", __name__)

# Seconds a probe may wait for the database or Redis: a probe must answer before its caller gives up.
PROBE_TIMEOUT = 2


@bp.get("/healthz")
def healthz():
    """The process is alive; touches nothing else."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Ready when the database answers and sits at the newest migration (and Redis answers, if used).

    In production without Redis, "limits": "per-process" tells that limits are not shared.
    """
    checks = {"database": _database_status()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis_status(current_app.config["REDIS_URL"])
    ready = all(value == "ok" for value in checks.values())
    if current_app.config.get("PRODUCTION") and not current_app.config.get("REDIS_URL"):
        # Ready all the same (one worker, or MINIBANK_PER_PROCESS_LIMITS=true), but each
        # process counts rate limits on its own: say so.
        checks["limits"] = "per-process"
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503


def _probe_engine() -> Engine:
    """An engine of its own: no pooled connection to wait for, and a short connect timeout."""
    extensions = current_app.extensions
    if "minibank.probe_engine" not in extensions:
        url = current_app.config["DATABASE_URL"]
        timeout = {"timeout": PROBE_TIMEOUT} if url.startswith("sqlite") else {"connect_timeout": PROBE_TIMEOUT}
        engine = create_engine(url, poolclass=NullPool, connect_args=timeout)
        extensions["minibank.probe_engine"] = engine
        extensions["minibank.head_revision"] = migrate.head_revision(engine)
    return extensions["minibank.probe_engine"]


def _database_status() -> str:
    engine = _probe_engine()
    try:
        current = migrate.current_revision(engine)
    except SQLAlchemyError:
        return "unreachable"
    if current == current_app.extensions["minibank.head_revision"]:
        return "ok"
    return "ok" if migrate.serves(engine, current) else "not migrated"


def _redis_status(url: str) -> str:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT)
    try:
        client.ping()
        return "ok"
    except redis.RedisError:
        return "unreachable"
    finally:
        client.close()
