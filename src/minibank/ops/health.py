"""Health checks: /healthz (process alive) and /readyz (database reachable and migrated, writes and sealing going on)."""

from flask import Blueprint, current_app
from sqlalchemy import Engine, create_engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from .. import migrate
from ..models import audit_events, utcnow
from ..store import write_health

bp = Blueprint("health", __name__)

# Seconds a probe may wait for the database (Redis: MINIBANK_REDIS_TIMEOUT_MS): a probe must answer before its caller gives up.
PROBE_TIMEOUT = 2


@bp.get("/healthz")
def healthz():
    """The process is alive; touches nothing else."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Ready when the database answers and sits at the newest migration, moves can be written, and sealing goes on.

    Redis, when used, is reported but does not take the instance out of rotation: every
    instance shares it, and without it each process counts rate limits on its own
    ("degraded", 200) while everything else works. In production without Redis,
    "limits": "per-process" tells that limits are not shared.
    """
    checks = {"database": _database_status()}
    config = current_app.config
    if config.get("REDIS_URL"):
        checks["redis"] = _redis_status(config["REDIS_URL"], config["REDIS_TIMEOUT_MS"] / 1000)
    if write_health.failing():
        checks["writes"] = "failing"  # the last move failed to be written: a full disk, a read-only file
    if checks["database"] == "ok" and config.get("AUDIT_SEALER") and _sealing_stalled():
        checks["audit"] = "sealing stalled"
    ready = checks["database"] == "ok" and "writes" not in checks and "audit" not in checks
    redis_down = "redis" in checks and checks["redis"] != "ok"
    if redis_down or (config.get("PRODUCTION") and not config.get("REDIS_URL")):
        # Ready all the same, but each process counts rate limits on its own: say so.
        checks["limits"] = "per-process"
    status = "unavailable" if not ready else "degraded" if redis_down else "ok"
    return {"status": status, "checks": checks}, 200 if ready else 503


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


# An event unsealed for longer than this means no sealer is at work (it seals every second).
SEALING_STALLED_SECONDS = 60


def _sealing_stalled() -> bool:
    oldest = select(audit_events.c.created_at).where(audit_events.c.seq.is_(None)).order_by(audit_events.c.id).limit(1)
    try:
        with _probe_engine().connect() as conn:
            created = conn.execute(oldest).scalar()
    except SQLAlchemyError:
        return False  # the database check reports it
    return created is not None and (utcnow() - created).total_seconds() > SEALING_STALLED_SECONDS


def _redis_status(url: str, timeout: float) -> str:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        client.ping()
        return "ok"
    except redis.RedisError:
        return "unreachable"
    finally:
        client.close()
