"""The sessions page: where the customer is logged in, and signing any of them out."""

from flask import current_app, flash, g, render_template, request

from ..extensions import db
from ..guards import current_user
from ..services import sessions
from . import bp
from .auth import see_other
from .forms import ButtonForm
from .guard import login_required


@bp.get("/settings/sessions")
@login_required
def session_list():
    """The customer's active sessions, this one marked."""
    active = sessions.list_active(db, user_id=current_user().id, token_ttl=current_app.config["TOKEN_TTL"])
    this = g.claims.session_id if g.get("claims") else None
    return render_template("sessions.html", sessions=active, this=this, button=ButtonForm())


@bp.post("/settings/sessions/<session_id>/end")
@login_required
def end_session(session_id: str):
    """Sign one session out: its tokens stop working at once (another customer's is a 404)."""
    ButtonForm().validate_on_submit()  # CSRFProtect has already refused a missing or foreign token
    sessions.end(db, user_id=current_user().id, session_id=session_id, client_ip=request.remote_addr)
    flash("That session has been signed out.", "success")
    return see_other("web.session_list")


@bp.post("/settings/sessions/end-others")
@login_required
def end_other_sessions():
    """Sign out every session but this one."""
    ButtonForm().validate_on_submit()
    this = g.claims.session_id if g.get("claims") else None
    ended = sessions.end_others(db, user_id=current_user().id, keep=this, client_ip=request.remote_addr)
    flash(f"Signed out of {ended} other session{'' if ended == 1 else 's'}.", "success")
    return see_other("web.session_list")
