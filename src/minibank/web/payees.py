"""The payees page: save, rename and delete payees, each name confirmed against the holder's."""

from flask import flash, render_template, request

from ..domain.errors import BankError
from ..extensions import PAYEE_CHECKS, db, limit_per_user, payee_check_rate
from ..guards import current_user
from ..services import payees
from ..services.payees import NameNotConfirmed
from . import bp, drafts
from .auth import see_other, show_refusal
from .forms import ButtonForm, PayeeForm, PayeeRenameForm
from .guard import login_required


def show_payees(
    form: PayeeForm | None = None,
    *,
    warning: NameNotConfirmed | None = None,
    renaming: tuple | None = None,
    status: int = 200,
):
    """The customer's payees and the form to add one; a name check's warning, for an addition or a
    ``renaming`` (payee, new name, warning), when there is one."""
    listing = payees.list_for_owner(db, owner_id=current_user().id)
    return render_template(
        "payees.html",
        payees=listing,
        form=form or PayeeForm(),
        warning=warning,
        renaming=renaming,
        button=ButtonForm(),
    ), status


@bp.get("/payees")
@login_required
def payee_list():
    """Every saved payee, and a form to add one."""
    return show_payees(drafts.restore(PayeeForm()))


@bp.post("/payees")
@drafts.keeps_draft(PayeeForm, page="web.payee_list")
@login_required
@limit_per_user(payee_check_rate, shared=PAYEE_CHECKS)
def add_payee():
    """Save a payee; a name that does not match the holder's comes back with the warning to confirm."""
    form = PayeeForm()
    if not form.validate_on_submit():
        return show_payees(form, status=422)
    try:
        payee, _ = payees.add(
            db,
            owner_id=current_user().id,
            name=form.name.data,
            number=form.account_number.data,
            confirmed=form.confirmed.data == "yes",
            client_ip=request.remote_addr,
        )
    except NameNotConfirmed as warning:
        form.confirmed.data = "yes"  # sending the form again now means: I have read the warning
        return show_payees(form, warning=warning, status=422)
    except BankError as refusal:
        show_refusal(form, refusal)
        return show_payees(form, status=422)
    flash(f"Saved {payee.name} as a payee.", "success")
    return see_other("web.payee_list")


@bp.post("/payees/<int:payee_id>/rename")
@login_required
@limit_per_user(payee_check_rate, shared=PAYEE_CHECKS)
def rename_payee(payee_id: int):
    """Rename a payee, with the same name check."""
    form = PayeeRenameForm()
    payee = payees.get(db, owner_id=current_user().id, payee_id=payee_id)
    if not form.validate_on_submit():
        flash(" ".join(form.name.errors) or "The form had expired. Please try again.", "error")
        return see_other("web.payee_list")
    try:
        renamed, _ = payees.rename(
            db,
            owner_id=current_user().id,
            payee_id=payee.id,
            name=form.name.data,
            confirmed=form.confirmed.data == "yes",
            client_ip=request.remote_addr,
        )
    except NameNotConfirmed as warning:
        return show_payees(renaming=(payee, form.name.data, warning), status=422)
    flash(f"Renamed to {renamed.name}.", "success")
    return see_other("web.payee_list")


@bp.post("/payees/<int:payee_id>/delete")
@login_required
def delete_payee(payee_id: int):
    """Forget a payee (transfers already made stay as they are)."""
    if not ButtonForm().validate_on_submit():
        flash("The form had expired. Please try again.", "error")
        return see_other("web.payee_list")
    payee = payees.get(db, owner_id=current_user().id, payee_id=payee_id)
    payees.remove(db, owner_id=current_user().id, payee_id=payee.id, client_ip=request.remote_addr)
    flash(f"Deleted the payee {payee.name}.", "success")
    return see_other("web.payee_list")
