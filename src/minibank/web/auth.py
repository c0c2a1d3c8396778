"""Login, registration, logout and password change pages."""

from flask import flash, g, redirect, render_template, request, url_for

from ..domain.errors import BankError, InvalidSecondFactor, SecondFactorRequired
from ..domain.text import how_long
from ..extensions import db, login_limits, login_throttle, mail_links
from ..guards import current_user
from ..services import auth, password_change, registration
from . import bp, drafts, pending_login, session, unlock_pass
from .admin_guard import home_endpoint
from .forms import ButtonForm, LoginForm, PasswordForm, RegisterForm
from .guard import login_required
from .next_page import local_path
from .two_factor_forms import LoginCodeForm


def see_other(endpoint: str, **values):
    """Post/redirect/get: 303 so that a reload never re-sends the form."""
    return redirect(url_for(endpoint, **values), code=303)


def show_refusal(form, refusal: BankError) -> None:
    """Put a service refusal next to its field, or above the form."""
    field = next((f for f in form if f.name == refusal.field), None) if refusal.field else None
    if field is not None:
        field.errors = [*field.errors, refusal.detail]
    else:
        form.form_errors.append(refusal.detail)


@bp.route("/", methods=["GET"])
def index():
    """The login page for visitors; the dashboard (or the page in ``next``) for customers."""
    after = local_path(request.args.get("next"))
    if current_user() is not None:
        return redirect(after, code=303) if after else see_other(home_endpoint(current_user()))
    return render_template("login.html", form=LoginForm(next=after))


@bp.route("/login", methods=["GET", "POST"])
@login_limits("login")
def login():
    """Check the credentials and start a fresh session; then the page in ``next`` (of this site only)."""
    form = LoginForm()
    if request.method == "GET":
        return redirect(url_for("web.index"))
    if not form.validate_on_submit():
        return render_template("login.html", form=form), 400
    try:
        login = auth.authenticate(
            db,
            login_throttle(),
            email=form.email.data,
            password=form.password.data,
            client_ip=request.remote_addr,
            opening=session.opening(),
            unlocked=unlock_pass.holds(form.email.data),
        )
    except auth.InvalidCredentials as refusal:
        form.form_errors.append(refusal.detail)
        return render_template("login.html", form=form), 401
    except auth.LoginThrottled as refusal:
        return _throttled(form, "login.html", refusal)
    except SecondFactorRequired as asked:
        # No session yet: the password was right, the code is asked on a page of its own.
        pending_login.begin(asked.user_id, local_path(form.next.data), unlocked=unlock_pass.holds(form.email.data))
        return see_other("web.login_code")
    return _logged_in(login, local_path(form.next.data))


@bp.route("/login/code", methods=["GET", "POST"])
@login_limits("login-code")
def login_code():
    """The second step of a login with two-factor authentication: a code from the app, or a recovery code."""
    pending = pending_login.current()
    if pending is None:
        flash("Please log in again: the page asking for your code lasts a few minutes only.", "info")
        return see_other("web.index")
    form = LoginCodeForm()
    if request.method == "GET":
        return render_template("login_code.html", form=form)
    if not form.validate_on_submit():
        return render_template("login_code.html", form=form), 400
    try:
        login = auth.complete_login(
            db,
            login_throttle(),
            user_id=pending["user"],
            code=form.code.data,
            client_ip=request.remote_addr,
            opening=session.opening(),
            unlocked=bool(pending.get("unlocked")),
        )
    except InvalidSecondFactor:
        form.code.errors = [*form.code.errors, "The code is incorrect, or was already used. Check it and try again."]
        return render_template("login_code.html", form=form), 401
    except auth.LoginThrottled as refusal:
        return _throttled(form, "login_code.html", refusal)
    except auth.InvalidCredentials:
        pending_login.forget()  # the user was disabled meanwhile: start again, and be refused there
        return see_other("web.index")
    return _logged_in(login, local_path(pending.get("next")))


def _logged_in(login: auth.Login, after: str | None):
    """Start the session (keeping the user's own draft) and go to ``after`` or the user's home page."""
    response = redirect(after, code=303) if after else see_other(home_endpoint(login.user))
    session.start(response, login.user, session_id=login.session_id, carry=drafts.carried_over(login.user.id))
    return response


def _throttled(form, template: str, refusal: auth.LoginThrottled):
    form.form_errors.append(
        f"Too many failed attempts for this e-mail address. Please wait {how_long(refusal.retry_after)} "
        "and try again, or ask for an unlock link by e-mail."
    )
    return render_template(template, form=form, locked=True), 429, {"Retry-After": str(refusal.retry_after)}


@bp.route("/register", methods=["GET", "POST"])
@login_limits("register")
def register():
    """Open a customer login; the answer is "check your inbox" whether the e-mail was new or not.

    No session starts here: logging in a new address, and not a taken one, would tell.
    """
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            registration.register(
                db,
                email=form.email.data,
                name=form.name.data,
                password=form.password.data,
                links=mail_links(),
                client_ip=request.remote_addr,
            )
        except BankError as refusal:
            show_refusal(form, refusal)
        else:
            return see_other("web.check_inbox")
    status = 422 if request.method == "POST" else 200
    return render_template("register.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """End the session: the token is revoked at once (POST with a CSRF token only)."""
    ButtonForm().validate_on_submit()  # CSRFProtect has already refused a missing or foreign token
    response = see_other("web.index")
    session.end(response)
    g.logged_out = True
    flash("You have been logged out.", "info")
    return response


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other session ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = password_change.change_password(
                db,
                login_throttle(),
                user_id=current_user().id,
                current_password=form.current_password.data,
                new_password=form.new_password.data,
                links=mail_links(),
                client_ip=request.remote_addr,
            )
        except auth.LoginThrottled as refusal:
            form.form_errors.append(
                f"Too many wrong passwords. Please wait {how_long(refusal.retry_after)} and try again."
            )
            return render_template("password.html", form=form), 429, {"Retry-After": str(refusal.retry_after)}
        except BankError as refusal:
            show_refusal(form, refusal)
        else:
            response = see_other(home_endpoint(user))
            session.start(response, user)  # this session continues with a token of the new version
            flash("Your password has been changed. Other sessions have been logged out.", "success")
            return response
    status = 422 if request.method == "POST" else 200
    return render_template("password.html", form=form), status
