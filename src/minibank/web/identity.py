"""Pages reached from the bank's e-mails: check your inbox, verify an address, reset a forgotten password."""

from flask import flash, render_template, request

from ..domain.errors import BankError
from ..extensions import db, mail_links, password_reset_limits
from ..services import password_reset, registration
from ..services.email_links import InvalidLink
from . import bp
from .auth import see_other, show_refusal
from .forms import ResetPasswordForm, ResetRequestForm


@bp.get("/register/check-inbox")
def check_inbox():
    """After registering: the same page whether the address was new or already had a login."""
    return render_template("check_inbox.html", reason="register")


@bp.get("/verify-email")
def verify_email():
    """Follow the verification link: the address is confirmed once; a used or expired link says so."""
    try:
        registration.verify_email(db, token=request.args.get("token"), client_ip=request.remote_addr)
    except BankError:
        return render_template("email_verified.html", verified=False), 400
    return render_template("email_verified.html", verified=True)


@bp.route("/password-reset", methods=["GET", "POST"])
@password_reset_limits
def request_password_reset():
    """Ask for a reset link by e-mail; the answer never says whether the address has a login."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        password_reset.request_reset(db, email=form.email.data, links=mail_links(), client_ip=request.remote_addr)
        return see_other("web.reset_sent")
    status = 422 if request.method == "POST" else 200
    return render_template("password_reset.html", form=form), status


@bp.get("/password-reset/sent")
def reset_sent():
    """After asking for a reset link: the same page for every address."""
    return render_template("check_inbox.html", reason="reset")


@bp.route("/password-reset/confirm", methods=["GET", "POST"])
def confirm_password_reset():
    """The link's page: choose a new password (twice); every session ends, then log in with it."""
    form = ResetPasswordForm()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")
        if not password_reset.link_is_usable(db, token=form.token.data):
            return render_template("password_reset_confirm.html", form=form, usable=False), 400
        return render_template("password_reset_confirm.html", form=form, usable=True)
    if form.validate_on_submit():
        try:
            password_reset.reset_password(
                db,
                token=form.token.data,
                new_password=form.new_password.data,
                links=mail_links(),
                client_ip=request.remote_addr,
            )
        except InvalidLink:
            return render_template("password_reset_confirm.html", form=form, usable=False), 400
        except BankError as refusal:
            show_refusal(form, refusal)
        else:
            flash("Your password has been changed and every session logged out. Log in with the new one.", "success")
            return see_other("web.index")
    return render_template("password_reset_confirm.html", form=form, usable=True), 422
