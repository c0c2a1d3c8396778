"""Page access: visitors are sent to the login page."""

import functools

from flask import redirect, url_for

from ..guards import current_user


def login_required(view):
    """Decorate a page that needs a logged-in user; others go to the login page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("web.index"), code=303)
        return view(*args, **kwargs)

    return wrapper
