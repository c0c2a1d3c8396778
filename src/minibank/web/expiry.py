"""The session's end, told to every logged-in page for its script, and Stay signed in."""

import time

from flask import current_app, jsonify, request, url_for

from . import bp, drafts, session
from .next_page import login_url

# The page warns this long before the session ends; a third of a token's lifetime when that is shorter.
WARNING_SECONDS = 120


@bp.app_context_processor
def session_end() -> dict:
    """``session_end`` for base.html: when this page's session ends and what the script may do; None when
    nobody is logged in."""
    end = session.ends_at()
    if end is None:
        return {"session_end": None}
    ends, extendable = end
    return {
        "session_end": {
            "ends": ends,
            "now": int(time.time()),
            "warn": min(WARNING_SECONDS, current_app.config["TOKEN_TTL"] // 3),
            "extendable": extendable,
            "cookie": session.ends_cookie_name(),
            "renew": url_for("web.renew_session"),
            "logout": url_for("web.logout"),
            "login": login_url(_this_page()),
            "drafts": " ".join(drafts.actions()),
            "keep_field": drafts.KEEP_FIELD,
        }
    }


def _this_page() -> str | None:
    """The page to come back to after logging in again: this one, or the form a POST came from."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    page = drafts.page_of(request.endpoint)
    return url_for(page) if page else None


@bp.post("/session/renew")
def renew_session():
    """Stay signed in (CSRF token in the X-CSRFToken header): a fresh token for this session, within its
    absolute limit; nothing else changes."""
    response = current_app.response_class(mimetype="application/json")
    end = session.renew(response)
    if end is None:
        return jsonify(detail="Your session has ended. Please log in again."), 401
    ends, extendable = end
    response.set_data(current_app.json.dumps({"ends_at": ends, "now": int(time.time()), "extendable": extendable}))
    return response
