"""The server-rendered pages, for people in a browser."""

from flask import Blueprint

from . import session

bp = Blueprint("web", __name__)
bp.before_request(session.load)
bp.after_request(session.renew_if_due)

from . import (  # noqa: E402,F401  (routes register on import)
    accounts,
    admin,
    admin_actions,
    admin_audit,
    admin_cash,
    auth,
    expiry,
    filters,
    identity,
    pages,
    payees,
    problems,
    sessions,
    transfers,
    two_factor,
    unlock,
)
