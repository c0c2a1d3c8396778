"""Unlock for the owner: ask for an unlock link during a lockout, and follow it."""

from flask import flash, render_template, request

from ..extensions import db, login_throttle, mail_links, unlock_limits
from ..services import login_unlock
from ..services.email_links import InvalidLink
from . import bp, unlock_pass
from .auth import see_other
from .forms import UnlockForm, UnlockRequestForm


@bp.route("/login/unlock", methods=["GET", "POST"])
@unlock_limits
def request_unlock():
    """Ask for an unlock link by e-mail; the answer never says whether the address has a login."""
    form = UnlockRequestForm()
    if request.method == "GET":
        form.email.data = request.args.get("email", "")[:254]
    elif form.validate_on_submit():
        login_unlock.request_unlock(db, email=form.email.data, links=mail_links(), client_ip=request.remote_addr)
        return see_other("web.unlock_sent")
    status = 422 if request.method == "POST" else 200
    return render_template("login_unlock.html", form=form), status


@bp.get("/login/unlock/sent")
def unlock_sent():
    """After asking for an unlock link: the same page for every address."""
    return render_template("check_inbox.html", reason="unlock")


@bp.route("/login/unlock/confirm", methods=["GET", "POST"])
def confirm_unlock():
    """The link's page: a button unlocks the login in this browser (once), then the login page."""
    form = UnlockForm()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")
        usable = login_unlock.link_is_usable(db, token=form.token.data)
        return render_template("login_unlock_confirm.html", form=form, usable=usable), 200 if usable else 400
    if not form.validate_on_submit():
        return render_template("login_unlock_confirm.html", form=form, usable=False), 400
    try:
        email = login_unlock.unlock(db, login_throttle(), token=form.token.data, client_ip=request.remote_addr)
    except InvalidLink:
        return render_template("login_unlock_confirm.html", form=form, usable=False), 400
    unlock_pass.grant(email)
    flash("Your login is unlocked in this browser for 15 minutes. Log in now.", "success")
    return see_other("web.index")
