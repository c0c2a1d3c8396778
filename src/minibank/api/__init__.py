"""The JSON API at /api/v1: Bearer tokens only, problem+json errors, an OpenAPI contract."""

from flask import Blueprint

from ..extensions import csrf
from ..guards import load_bearer_user

bp = Blueprint("api", __name__, url_prefix="/api/v1")
docs_bp = Blueprint("api_docs", __name__, url_prefix="/api")
# The API never reads the cookie, so a forged cross-site request carries no credentials.
csrf.exempt(bp)
bp.before_request(load_bearer_user)

from . import (  # noqa: E402,F401  (routes register on import)
    accounts,
    admin,
    admin_customers,
    auth,
    batches,
    docs,
    payees,
    sessions,
    transfers,
)
