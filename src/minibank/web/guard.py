"""Page access: visitors are sent to the login page."""

import functools

from flask import flash, g, redirect, request, url_for

from ..guards import current_user
from .next_page import login_url

ENDED = "Your session has ended. Please log in again."


def login_required(view):
    """Decorate a page that needs a logged-in user; others go to the login page.

    When the request still carried a session that has ended, the login page says so and, for a
    page (GET), sends the customer back to it once logged in."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            if not g.get("session_checked"):
                return redirect(url_for("web.index"), code=303)
            flash(ENDED, "info")
            here = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(login_url(here), code=303)
        return view(*args, **kwargs)

    return wrapper
