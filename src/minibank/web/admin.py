"""The back office's reading pages: find a customer, a customer's page, an account's history, a transfer."""

from flask import abort, render_template, request

from ..domain.accounts import normalize_number
from ..domain.errors import InvalidInput
from ..extensions import db, reads
from ..guards import current_user
from ..security.permissions import Permission, permissions_of
from ..services import customers, history, transfers
from . import bp
from .accounts import FILTER_NAMES, PAGE_SIZE, by_day, history_filter
from .admin_forms import CustomerSearchForm
from .admin_guard import staff_page
from .forms import HistoryFilterForm

SEARCH_PAGE_SIZE = 20


def may() -> frozenset[Permission]:
    """What the member of staff looking at the page may do (pages show only the buttons that work)."""
    return permissions_of(current_user().role)


@bp.get("/admin")
@staff_page(Permission.READ_CUSTOMERS)
def admin_home():
    """The back office's home: find a customer by part of a name, an e-mail address or an account number."""
    form = CustomerSearchForm(request.args)
    found = None
    status = 200
    if request.args:
        if form.validate():
            try:
                found = customers.search(db, text=form.q.data, page=form.page.data or 1, per_page=SEARCH_PAGE_SIZE)
            except InvalidInput as refusal:
                form.q.errors = [*form.q.errors, refusal.detail]
                status = 400
        else:
            status = 400
    return render_template("admin/home.html", form=form, found=found, may=may()), status


@bp.get("/admin/customers/<int(max=9223372036854775807):user_id>")
@staff_page(Permission.READ_CUSTOMERS)
def admin_customer(user_id: int):
    """A customer's profile, status and accounts with their balances, and what staff may do about them."""
    customer = customers.get(db, user_id=user_id)
    return render_template("admin/customer.html", customer=customer, may=may())


@bp.get("/admin/accounts/<number>")
@staff_page(Permission.READ_CUSTOMERS)
def admin_account(number: str):
    """A customer's account and its history, with the same search and filters as the customer's own page."""
    number = normalize_number(number)
    owner_id = customers.owner_of(db, number=number)
    form = HistoryFilterForm(request.args)
    valid = form.validate() if form.is_filtering() else True
    try:
        listing = history.page(
            reads.for_accounts([number]),
            number=number,
            owner_id=owner_id,
            limit=PAGE_SIZE,
            cursor=request.args.get("cursor") or None,
            where=history_filter(form) if valid else history.NO_FILTER,
        )
    except InvalidInput as refusal:
        abort(400, description=refusal.detail)
    kept = {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}
    return render_template(
        "admin/account.html",
        page=listing,
        days=by_day(listing.items),
        account=listing.account,
        owner_id=owner_id,
        filters=form,
        kept=kept if valid else {},
        paged=bool(request.args.get("cursor")),
        may=may(),
    ), (200 if valid else 400)


@bp.get("/admin/transfers/<int(max=9223372036854775807):transfer_id>")
@staff_page(Permission.READ_CUSTOMERS)
def admin_transfer(transfer_id: int):
    """Any transfer as staff see it: the receipt of cash paid in or out at the counter, or a customer's transfer."""
    record = transfers.get(db, transfer_id=transfer_id)
    return render_template("admin/transfer.html", transfer=record, may=may())
