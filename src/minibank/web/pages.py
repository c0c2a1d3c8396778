"""The customer's dashboard and opening an account."""

from flask import current_app, flash, render_template, request

from ..domain.errors import BankError
from ..extensions import db, reads
from ..guards import current_user
from ..services import accounts, history
from . import bp
from .auth import see_other, show_refusal
from .filters import account_number_filter
from .forms import OpenAccountForm
from .guard import login_required

LATEST_MOVEMENTS = 5


def totals_by_currency(owned: list[accounts.Account]) -> list[tuple[str, int]]:
    """The sum of the balances in each currency, in currency order."""
    totals: dict[str, int] = {}
    for account in owned:
        totals[account.currency] = totals.get(account.currency, 0) + account.balance
    return sorted(totals.items())


def show_dashboard(form: OpenAccountForm, status: int = 200):
    """Every account with its balance, the totals, and the latest movements."""
    owned = accounts.list_for_owner(db, owner_id=current_user().id)
    latest = history.latest_for_owner(
        reads.for_accounts([a.number for a in owned]), accounts=owned, limit=LATEST_MOVEMENTS
    )
    return render_template(
        "dashboard.html", accounts=owned, totals=totals_by_currency(owned), latest=latest, open_form=form
    ), status


@bp.get("/dashboard")
@login_required
def dashboard():
    """The customer's home page."""
    return show_dashboard(OpenAccountForm(formdata=None))


@bp.post("/accounts")
@login_required
def open_account():
    """Open a new account with the name the customer chose."""
    form = OpenAccountForm()
    if not form.validate_on_submit():
        return show_dashboard(form, 422)
    try:
        account = accounts.open_account(
            db,
            owner_id=current_user().id,
            name=form.name.data,
            currency=current_app.config["CURRENCY"],
            client_ip=request.remote_addr,
        )
    except BankError as refusal:
        show_refusal(form, refusal)
        return show_dashboard(form, 422)
    flash(f"Your new account “{account.name}” ({account_number_filter(account.number)}) is open.", "success")
    return see_other("web.dashboard")
