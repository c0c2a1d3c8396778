"""Half-typed forms kept when the session has ended: never acted on, given back once after login.

A form's POST view decorated with `keeps_draft` does nothing for a session that has ended (nor
when the page's script, as the session ends, asks it only to keep the form): what was typed goes
into the signed session cookie, for the same user only and for 15 minutes, never a password or
the CSRF token, and the customer is sent to log in, then back to the form's page, where
`restore` fills the form in once.
"""

import functools
import time
from collections.abc import Callable

from flask import current_app, flash, g, redirect, request, session, url_for
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, PasswordField, StringField

from ..guards import current_user
from . import session as web_session
from .next_page import login_url

KEY = "draft"
LIFETIME = 15 * 60
# Sent by the page's script when the session ends: keep the form and do nothing else, signed in or not.
KEEP_FIELD = "keep_draft"
# Longer values are cut: the draft travels in a cookie of a few kilobytes.
MAX_VALUE_LENGTH = 200

ENDED = "Your session has ended, so nothing was sent. Please log in again."
KEPT = "Your session has ended, so nothing was sent. Log in again to continue: what you typed is kept."
RESTORED = "Your session ended, so nothing was sent. Check the details and send again."

# Each decorated view, as registered, and the endpoint of its form's page.
_PAGES: dict[Callable, str] = {}


def keeps_draft(form_class, *, page: str):
    """Decorate a form's POST view (above `login_required`): ``form_class.draft_fields`` are kept for ``page``."""
    for name in form_class.draft_fields:
        unbound = getattr(form_class, name)
        if name == "csrf_token" or issubclass(unbound.field_class, PasswordField):
            raise TypeError(f"{form_class.__name__}.{name} must never be kept in a draft")

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if request.method == "POST" and (current_user() is None or KEEP_FIELD in request.form):
                return _keep(form_class, page)
            return view(*args, **kwargs)

        _PAGES[wrapper] = page
        return wrapper

    return decorate


def restore(form):
    """Fill this page's form with the draft kept for it, once, and say that nothing was sent."""
    draft = session.get(KEY)
    if not isinstance(draft, dict) or draft.get("page") != request.endpoint or draft.get("form") != type(form).__name__:
        return form
    del session[KEY]  # used once, whatever follows
    user = current_user()
    if user is None or draft.get("user") != user.id or not _fresh(draft):
        return form
    form.process(formdata=MultiDict([(name, value) for name, value in draft["fields"]]))
    flash(RESTORED, "info")
    return form


def carried_over(user_id: int) -> dict:
    """What a login by ``user_id`` keeps of the old session: its draft, only if it is theirs."""
    draft = session.get(KEY)
    if isinstance(draft, dict) and draft.get("user") == user_id and _fresh(draft):
        return {KEY: draft}
    return {}


def page_of(endpoint: str | None) -> str | None:
    """The form page of a view that keeps drafts, or None."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return _PAGES.get(view) if view else None


def actions() -> list[str]:
    """The paths whose forms keep drafts (their views take no path parameters)."""
    return sorted(url_for(endpoint) for endpoint, view in current_app.view_functions.items() if view in _PAGES)


def _keep(form_class, page: str):
    user = current_user()
    user_id = user.id if user is not None else web_session.ended_user_id()
    kept = user_id is not None and _store(form_class, page, user_id)
    if user is not None:
        return redirect(url_for(page), code=303)
    if g.get("session_checked"):  # a visitor who never logged in has no session to end
        flash(KEPT if kept else ENDED, "info")
    return redirect(login_url(url_for(page)), code=303)


def _store(form_class, page: str, user_id: int) -> bool:
    """Keep what was typed into the form's kept fields; False (and no draft) when nothing was."""
    form = form_class(meta={"csrf": False})
    fields: list[list[str]] = []
    typed = False
    for name in form_class.draft_fields:
        field = form[name]
        values = [value[:MAX_VALUE_LENGTH] for value in request.form.getlist(field.name)]
        fields.extend([field.name, value] for value in values)
        typed = typed or _typed(field, values)
    if not typed:
        session.pop(KEY, None)
        return False
    session[KEY] = {
        "user": user_id,
        "page": page,
        "form": form_class.__name__,
        "fields": fields,
        "at": int(time.time()),
    }
    return True


def _typed(field, values: list[str]) -> bool:
    """Something the customer typed or ticked (a choice from a list, or a hidden value, alone is not)."""
    if isinstance(field, HiddenField):
        return False
    if isinstance(field, BooleanField):
        return bool(values)
    return isinstance(field, StringField) and any(value.strip() for value in values)


def _fresh(draft: dict) -> bool:
    at = draft.get("at")
    return isinstance(at, int) and 0 <= time.time() - at <= LIFETIME
