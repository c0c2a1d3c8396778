"""An account's page (balance and paginated history) and its statement download."""

from datetime import datetime, time, timedelta

from flask import Response, abort, render_template, request

from ..domain.accounts import normalize_number
from ..domain.errors import InvalidInput
from ..extensions import reads
from ..guards import current_user
from ..services import history, monthly
from . import bp, chart
from .filters import bank_zone
from .forms import StatementForm
from .guard import login_required
from .statement import statement_csv, statement_filename

PAGE_SIZE = 20


def show_account(number: str, statement: StatementForm, status: int = 200):
    """Render one of the customer's accounts with a page of its history; others' are 404."""
    try:
        listing = history.page(
            reads.for_accounts([number]),
            number=number,
            owner_id=current_user().id,
            limit=PAGE_SIZE,
            cursor=request.args.get("cursor") or None,
        )
    except InvalidInput as refusal:
        abort(400, description=refusal.detail)
    flows = monthly.last_months(
        reads.for_accounts([number]), number=number, owner_id=current_user().id, zone=bank_zone()
    )
    return render_template(
        "account.html",
        chart=chart.draw(flows.months),
        page=listing,
        account=listing.account,
        statement=statement,
        paged=bool(request.args.get("cursor")),
    ), status


@bp.get("/accounts/<number>")
@login_required
def account(number: str):
    """Balance and history, newest first, in pages."""
    return show_account(number, StatementForm(formdata=None))


@bp.get("/details")
@login_required
def details():
    """The original miniBank's address for the same page: /details?account=NUMBER."""
    return show_account(normalize_number(request.args.get("account")), StatementForm(formdata=None))


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=bank_zone())


@bp.get("/accounts/<number>/statement.csv")
@login_required
def statement(number: str):
    """Download the movements between two dates (inclusive, in the bank's time zone) as CSV."""
    form = StatementForm(request.args)
    if not form.validate():
        return show_account(number, form, 400)
    start, end = form.start.day, form.end.day
    account, items = history.between(
        reads.for_accounts([number]),
        number=number,
        owner_id=current_user().id,
        since=_start_of(start) if start else None,
        until=_start_of(end + timedelta(days=1)) if end else None,
    )
    filename = statement_filename(account, start, end)
    return Response(
        statement_csv(account, items, bank_zone()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
