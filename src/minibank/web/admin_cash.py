"""Cash at the counter: the form, its Check and confirm step (post/redirect/get), and the receipt.

The form's POST checks the input and answers 303 to Check and confirm; what is to be confirmed waits
in the signed session. Confirm moves the money through the same service as the API's deposits and
withdrawals (the ledger engine and its one rule decide); the form's token makes a second press replay
the first result instead of paying twice.
"""

from flask import flash, render_template, request, session

from ..domain.errors import BankError, IdempotencyKeyReused, OutcomeUnknown
from ..extensions import db
from ..guards import current_user
from ..security.permissions import Permission
from ..services import accounts, customers, transfers
from . import bp
from .admin_forms import CashForm
from .admin_guard import staff_page
from .auth import see_other, show_refusal
from .filters import money_filter
from .forms import new_idempotency_token

_KEY = "cash_review"
_FIELDS = ("kind", "account", "amount", "memo", "token")


def _show_form(form: CashForm, status: int = 200):
    if form.token.errors or not form.token.data:
        form.form_errors.extend(form.token.errors)
        form.token.data = new_idempotency_token()
    return render_template("admin/cash.html", form=form), status


def _holder(number: str):
    """The customer's account and its holder, or a refusal put on the account field."""
    owner_id = customers.owner_of(db, number=number)
    return accounts.get_by_number(db, number=number, owner_id=owner_id), customers.get(db, user_id=owner_id).user


@bp.route("/admin/cash", methods=["GET", "POST"])
@staff_page(Permission.MOVE_CASH)
def admin_cash():
    """GET: the empty form (or for ?account=). POST: check the input, then show it to confirm."""
    form = CashForm()
    if request.method == "GET":
        form.account.data = request.args.get("account", "")
        form.kind.data = request.args.get("kind", "deposit")
        return _show_form(form)
    if request.form.get("edit") or not form.validate_on_submit() or form.amount.minor is None:
        return _show_form(form, 200 if request.form.get("edit") else 422)
    try:
        _holder(form.account.data)
    except BankError as refusal:
        refusal.field = "account"
        show_refusal(form, refusal)
        return _show_form(form, 422)
    session[_KEY] = {name: form[name].data for name in _FIELDS}
    return see_other("web.admin_cash_confirm")


@bp.get("/admin/cash/confirm")
@staff_page(Permission.MOVE_CASH)
def admin_cash_confirm():
    """Check and confirm: nothing has moved yet; once it has (Back from the receipt), the receipt."""
    kept = session.get(_KEY)
    if not isinstance(kept, dict):
        return see_other("web.admin_cash")
    if "receipt" in kept:
        return see_other("web.admin_transfer", transfer_id=kept["receipt"])
    form = CashForm(data={name: kept.get(name) for name in _FIELDS})
    form.amount.pre_validate(form)
    try:
        account, holder = _holder(form.account.data)
    except BankError:
        return see_other("web.admin_cash")
    return render_template("admin/cash_confirm.html", form=form, account=account, holder=holder)


@bp.post("/admin/cash/confirm")
@staff_page(Permission.MOVE_CASH)
def admin_cash_move():
    """Pay the cash in or out; a repeated submission of the same form replays the first result."""
    form = CashForm()
    if not form.validate_on_submit() or form.amount.minor is None:
        return _show_form(form, 422)
    move = transfers.deposit if form.kind.data == "deposit" else transfers.withdraw
    try:
        result = move(
            db,
            account=form.account.data,
            amount=form.amount.minor,
            memo=form.memo.data or "",
            actor_id=current_user().id,
            idempotency_key=form.token.data,
            client_ip=request.remote_addr,
        )
    except OutcomeUnknown:
        form.form_errors.append(
            "We could not confirm whether the cash was booked. Check the account's history first; pressing "
            "Confirm again is safe: it never books it twice."
        )
        return _show_form(form, 503)
    except IdempotencyKeyReused:
        form.token.data = new_idempotency_token()
        form.form_errors.append("This form has already booked cash. Check the account, then book again if you mean to.")
        return _show_form(form, 422)
    except BankError as refusal:
        show_refusal(form, refusal)
        return _show_form(form, 422)
    if not result.replayed:
        record = result.transfer
        done = "Paid in" if record.kind == "deposit" else "Paid out"
        flash(f"{done} {money_filter(record.amount, record.currency)}.", "success")
    session[_KEY] = {"receipt": result.transfer.id}
    return see_other("web.admin_transfer", transfer_id=result.transfer.id)
