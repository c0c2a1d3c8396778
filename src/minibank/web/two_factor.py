"""Two-factor authentication's settings page, and the rule that sends staff there first in production."""

from flask import current_app, flash, redirect, render_template, request, url_for

from ..domain.errors import BankError
from ..domain.text import how_long
from ..extensions import db, login_throttle, mail_links
from ..guards import current_user
from ..security import totp
from ..security.permissions import second_factor_required
from ..services import auth, second_factor, two_factor, two_factor_changes
from . import bp
from .auth import see_other, show_refusal
from .forms import ButtonForm
from .guard import login_required
from .two_factor_forms import TwoFactorCodeForm, TwoFactorOffForm

PAGE = "web.two_factor_page"
# What staff who must set up a second factor may still reach before they have.
_OPEN_TO_STAFF_WITHOUT = {PAGE, "web.two_factor_start", "web.two_factor_confirm", "web.logout", "web.renew_session"}


@bp.before_request
def send_staff_to_set_up():
    """In production, staff without a second factor see no page but its set-up (and can log out)."""
    user = current_user()
    if user is None or not second_factor_required(user.role, production=current_app.config["PRODUCTION"]):
        return None
    if request.endpoint in _OPEN_TO_STAFF_WITHOUT or second_factor.is_enabled(db, user_id=user.id):
        return None
    flash("Staff need two-factor authentication: set it up to continue.", "info")
    return redirect(url_for(PAGE), code=303)


@bp.get("/settings/two-factor")
@login_required
def two_factor_page():
    """Whether two-factor authentication is on; set it up (QR code and secret), new recovery codes, turn it off."""
    return _page()


@bp.post("/settings/two-factor/start")
@login_required
def two_factor_start():
    """Make a fresh secret for an authenticator app; it is off until confirmed with a code."""
    ButtonForm().validate_on_submit()  # CSRFProtect has already refused a missing or foreign token
    try:
        two_factor.start(db, user=current_user(), client_ip=request.remote_addr)
    except BankError as refusal:
        flash(refusal.detail, "error")
    return see_other(PAGE)


@bp.post("/settings/two-factor/confirm")
@login_required
def two_factor_confirm():
    """Turn it on with a first code; the ten recovery codes are shown in this answer, once."""
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm(
                db, user=current_user(), code=form.code.data, links=mail_links(), client_ip=request.remote_addr
            )
        except BankError as refusal:
            show_refusal(form, refusal)
        else:
            # Not a redirect: the codes exist in clear only in this answer (no-store), never in a cookie.
            return render_template("two_factor_codes.html", codes=codes, just_enabled=True)
    return _page(confirm_form=form), 422


@bp.post("/settings/two-factor/recovery-codes")
@login_required
def two_factor_new_codes():
    """Ten new recovery codes for a current code; the old ones stop working."""
    form = TwoFactorCodeForm(prefix="renew")
    if form.validate_on_submit():
        try:
            codes = two_factor_changes.regenerate_codes(
                db, login_throttle(), user=current_user(), code=form.code.data, client_ip=request.remote_addr
            )
        except auth.LoginThrottled as refusal:
            return _throttled(refusal, renew_form=form)
        except BankError as refusal:
            show_refusal(form, refusal)
        else:
            return render_template("two_factor_codes.html", codes=codes, just_enabled=False)
    return _page(renew_form=form), 422


@bp.post("/settings/two-factor/disable")
@login_required
def two_factor_disable():
    """Turn it off with the password and a current code."""
    form = TwoFactorOffForm(prefix="off")
    if form.validate_on_submit():
        try:
            two_factor_changes.disable(
                db,
                login_throttle(),
                user=current_user(),
                password=form.password.data,
                code=form.code.data,
                links=mail_links(),
                production=current_app.config["PRODUCTION"],
                client_ip=request.remote_addr,
            )
        except auth.LoginThrottled as refusal:
            return _throttled(refusal, off_form=form)
        except BankError as refusal:
            show_refusal(form, refusal)
        else:
            flash("Two-factor authentication is off. Your recovery codes no longer work.", "success")
            return see_other(PAGE)
    return _page(off_form=form), 422


def _page(**forms):
    user = current_user()
    state = two_factor.status(db, user_id=user.id)
    enrolment = two_factor.enrolment(db, user=user) if state.enrolling else None
    return render_template(
        "two_factor.html",
        state=state,
        enrolment=enrolment,
        grouped_secret=totp.grouped(enrolment.secret) if enrolment else None,
        required=second_factor_required(user.role, production=current_app.config["PRODUCTION"]),
        confirm_form=forms.get("confirm_form") or TwoFactorCodeForm(formdata=None),
        renew_form=forms.get("renew_form") or TwoFactorCodeForm(prefix="renew", formdata=None),
        off_form=forms.get("off_form") or TwoFactorOffForm(prefix="off", formdata=None),
        start_form=ButtonForm(formdata=None),
    )


def _throttled(refusal: auth.LoginThrottled, **forms):
    form = next(iter(forms.values()))
    form.form_errors.append(f"Too many wrong attempts. Please wait {how_long(refusal.retry_after)} and try again.")
    return _page(**forms), 429, {"Retry-After": str(refusal.retry_after)}
