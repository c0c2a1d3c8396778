"""Moving money: the transfer form, its confirmation step, and the receipt."""

from dataclasses import replace

from flask import flash, render_template, request

from ..domain.errors import BankError, IdempotencyKeyReused, OutcomeUnknown
from ..extensions import PAYEE_CHECKS, db, limit_per_user, payee_check_rate, transfer_limits, transfer_rate
from ..guards import current_user, require_verified_email
from ..services import accounts, history, payees, transfers
from . import bp, drafts, review
from .auth import see_other, show_refusal
from .filters import account_number_filter, money_filter
from .forms import TransferForm, new_idempotency_token
from .guard import login_required


def transfer_form() -> TransferForm:
    """The transfer form, offering the customer's open accounts as sources."""
    form = TransferForm()
    owned = accounts.list_for_owner(db, owner_id=current_user().id)
    form.source.choices = [
        (a.number, f"{a.name} · {account_number_filter(a.number)} · {money_filter(a.balance, a.currency)}")
        for a in owned
        if a.status == "open"
    ]
    form.own_accounts = {a.number: a for a in owned}
    # Offered as the destination's suggestions: the customer's other accounts by name, and their payees.
    form.suggestions = [(a.number, a.name) for a in owned if a.status == "open"] + [
        (p.account_number, p.name) for p in payees.list_for_owner(db, owner_id=current_user().id)
    ]
    return form


def show_form(form: TransferForm, status: int = 200):
    """Render the transfer form (again), keeping what the customer typed."""
    if form.token.errors or not form.token.data:
        # Only a rendered form gets a token: a submission without one must not invent it.
        form.form_errors.extend(form.token.errors)
        form.token.data = new_idempotency_token()
    return render_template("transfer.html", form=form), status


def _no_name_typed() -> bool:
    return not (request.form.get("payee_name") or "").strip()


@bp.route("/transfer", methods=["GET", "POST"])
@drafts.keeps_draft(TransferForm, page="web.transfer")
@login_required
@limit_per_user(payee_check_rate, shared=PAYEE_CHECKS, exempt_when=_no_name_typed)
def transfer():
    """GET: the empty form. POST: check the input and show what will happen before any money moves."""
    form = transfer_form()
    if request.method == "GET":
        drafts.restore(form)
        form.source.data = request.args.get("from", form.source.data)
        form.destination.data = request.args.get("to", form.destination.data)  # "Pay" on the payees page
        return show_form(form)
    if request.form.get("edit") or not form.validate_on_submit():
        return show_form(form, 200 if request.form.get("edit") else 422)
    amount = form.amount.minor
    if amount is None:  # a valid form has parsed its amount
        return show_form(form, 422)
    try:
        # The rule as a dry run: refused now with the message Confirm would give, before anything moves.
        transfers.check_transfer(db, **_move_of(form, amount))
        name_check = _name_check(form)
    except BankError as refusal:
        show_refusal(form, refusal)
        return show_form(form, 422)
    review.keep(form, minor=amount, name_check=name_check)
    return see_other("web.review_transfer")


@bp.get("/transfer/confirm")
@login_required
def review_transfer():
    """Check and confirm the transfer the form described; once it is sent (Back from the receipt), its receipt."""
    kept = review.current()
    if kept is None:
        return see_other("web.transfer")
    if kept.receipt is not None:
        return see_other("web.receipt", transfer_id=kept.receipt)
    form = transfer_form()
    review.fill(form, kept)
    if form.source.data not in form.own_accounts:  # a review from before the accounts changed hands
        return see_other("web.transfer")
    return render_template("transfer_confirm.html", form=form, name_check=kept.name_check)


def _name_check(form: TransferForm):
    """Confirmation of payee for the name the customer typed, if any: None when they typed none."""
    if not form.payee_name.data:
        return None
    return payees.confirm_name(db, number=form.destination.data, name=form.payee_name.data)


def _save_payee(form: TransferForm) -> None:
    """Keep the destination as a payee under the name typed (its name check was shown at Check and confirm)."""
    try:
        payee, _ = payees.add(
            db,
            owner_id=current_user().id,
            name=form.payee_name.data,
            number=form.destination.data,
            confirmed=True,
            client_ip=request.remote_addr,
        )
    except BankError as refusal:
        flash(f"Not saved as a payee: {refusal.detail}", "error")
    else:
        flash(f"Saved {payee.name} as a payee.", "success")


def _move_of(form: TransferForm, amount: int) -> dict:
    """The transfer a valid form describes, as the service takes it: the same for the check and for Confirm."""
    return {
        "actor_id": current_user().id,
        "source": form.source.data,
        "destination": form.destination.data,
        "amount": amount,
        "memo": form.memo.data or "",
        "limits": transfer_limits(),
    }


@bp.post("/transfer/confirm")
@drafts.keeps_draft(TransferForm, page="web.transfer")  # back to the form, filled in: never sent
@login_required
@limit_per_user(transfer_rate)
def confirm_transfer():
    """Move the money; the form's token makes a repeated submission replay the first result."""
    form = transfer_form()
    amount = form.amount.minor if form.validate_on_submit() else None
    if amount is None:  # a valid form has parsed its amount
        return show_form(form, 422)
    try:
        name_check = _name_check(form)
    except BankError as refusal:
        show_refusal(form, refusal)
        return show_form(form, 422)
    if name_check is not None and name_check.outcome != "match" and not form.acknowledged.data:
        form.form_errors.append("The name does not match the account holder's: tick the box to send it anyway.")
        # The held name shows only at Check and confirm, whose checks count in the customer's budget.
        unnamed = replace(name_check, held_name=None)
        return render_template("transfer_confirm.html", form=form, name_check=unnamed), 422
    try:
        require_verified_email(current_user().id)
        result = transfers.transfer(
            db, **_move_of(form, amount), idempotency_key=form.token.data, client_ip=request.remote_addr
        )
    except OutcomeUnknown:
        # The same form, with the same token: sending it again replays the transfer if it was made.
        form.form_errors.append(
            "We could not confirm whether this transfer was sent. Check your account's history before anything else; "
            "pressing Confirm and send again is safe: it never sends the money twice."
        )
        return render_template("transfer_confirm.html", form=form), 503
    except IdempotencyKeyReused:
        form.token.data = new_idempotency_token()
        form.form_errors.append(
            "This form has already sent a transfer. Check your accounts, then send again if you mean to."
        )
    except BankError as refusal:
        show_refusal(form, refusal)
    else:
        if not result.replayed:
            sent = result.transfer
            shown, destination = money_filter(sent.amount, sent.currency), account_number_filter(sent.destination)
            flash(f"Sent {shown} to account {destination}.", "success")
            if form.save_payee.data and form.payee_name.data:
                _save_payee(form)
        review.sent(form.token.data, result.transfer.id)
        return see_other("web.receipt", transfer_id=result.transfer.id)
    return show_form(form, 422)


@bp.get("/transfers/<int:transfer_id>")
@login_required
def receipt(transfer_id: int):
    """A transfer's receipt; only its sender or receiver may see it."""
    user = current_user()
    record = transfers.get_for_party(db, transfer_id=transfer_id, user_id=user.id)
    balances = history.balances_after(db, transfer_id=record.id, owner_id=user.id)
    names = history.party_names(db, record=record, viewer_id=user.id)
    return render_template(
        "receipt.html", transfer=record, balances=balances, names=names, sent=record.source_owner == user.id
    )
