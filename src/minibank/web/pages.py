"""The customer's pages: dashboard and accounts."""

from flask import current_app, flash, render_template, request

from ..domain.errors import BankError
from ..extensions import db
from ..security.guards import current_user
from ..services import accounts
from . import bp
from .auth import see_other
from .forms import ButtonForm
from .guard import login_required


@bp.get("/dashboard")
@login_required
def dashboard():
    """Every account with its balance, and the total."""
    owned = accounts.list_for_owner(db, owner_id=current_user().id)
    return render_template("dashboard.html", accounts=owned, button=ButtonForm())


@bp.post("/accounts")
@login_required
def open_account():
    """Open a new account for the customer."""
    ButtonForm().validate_on_submit()
    name = request.form.get("name") or "Savings"
    try:
        account = accounts.open_account(db, owner_id=current_user().id, name=name,
                                        currency=current_app.config["CURRENCY"], client_ip=request.remote_addr)
    except BankError as refusal:
        flash(refusal.detail, "error")
    else:
        flash(f"Account {account.number} is open.", "success")
    return see_other("web.dashboard")
