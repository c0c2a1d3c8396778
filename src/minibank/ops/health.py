"""Health checks: /healthz (process alive) and /readyz (database reachable and migrated)."""

from flask import Blueprint, current_app
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..migrate import is_current

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is alive; touches nothing else."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Ready when the database answers and sits at the newest migration."""
    checks = {}
    try:
        checks["database"] = "ok" if is_current(db.engine) else "not migrated"
    except SQLAlchemyError:
        checks["database"] = "unreachable"
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _redis_status(current_app.config["REDIS_URL"])
    ready = all(value == "ok" for value in checks.values())
    return {"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503


def _redis_status(url: str) -> str:
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping()
        return "ok"
    except redis.RedisError:
        return "unreachable"
