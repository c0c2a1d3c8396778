"""GET /metrics: Prometheus text for allowed networks or a bearer token; 404 for anyone else."""

import hmac
import ipaddress
import os

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess

from ..config import parse_networks

bp = Blueprint("metrics", __name__)


def _address_allowed(address: str | None, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def _token_presented(token: str | None) -> bool:
    if not token:
        return False
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


def allowed() -> bool:
    """True for a request from an allowed network or carrying the metrics token."""
    config = current_app.config
    return _token_presented(config.get("METRICS_TOKEN")) or _address_allowed(
        request.remote_addr, parse_networks(config["METRICS_ALLOW"])
    )


def exposition() -> bytes:
    """Every metric, summed over all worker processes in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@bp.get("/metrics")
def metrics():
    """The Prometheus exposition; a 404 hides it from everyone not allowed."""
    if not allowed():
        abort(404)
    return Response(exposition(), content_type=CONTENT_TYPE_LATEST)
