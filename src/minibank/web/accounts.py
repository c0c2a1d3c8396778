"""An account's page (balance, history people can search, grouped by day) and its statement download."""

from datetime import date, datetime, time, timedelta
from itertools import groupby

from flask import Response, abort, render_template, request

from ..domain.accounts import normalize_number
from ..domain.errors import InvalidInput
from ..extensions import reads
from ..guards import current_user
from ..services import history, monthly
from . import bp, chart
from .filters import bank_zone
from .forms import HistoryFilterForm
from .guard import login_required
from .statement import statement_csv, statement_filename

PAGE_SIZE = 20
FILTER_NAMES = ("q", "from", "to", "direction", "min_amount", "max_amount")


def history_filter(form: HistoryFilterForm) -> history.HistoryFilter:
    """The service's filter for a validated form: days in the bank's time zone, both included."""
    start, end = form.start.day, form.end.day
    return history.HistoryFilter(
        text=form.q.data or "",
        since=_start_of(start) if start else None,
        until=_start_of(end + timedelta(days=1)) if end else None,
        direction=form.direction.data or None,
        min_amount=form.min_amount.minor,
        max_amount=form.max_amount.minor,
    )


def by_day(items: list[history.HistoryItem]) -> list[tuple[date, list[history.HistoryItem]]]:
    """The movements grouped by their day in the bank's time zone, in the order given."""
    zone = bank_zone()
    return [
        (day, list(group)) for day, group in groupby(items, key=lambda item: item.created_at.astimezone(zone).date())
    ]


def show_account(number: str, form: HistoryFilterForm, status: int = 200):
    """Render one of the customer's accounts with a page of its history that matches the form; others' are 404."""
    valid = form.validate() if form.is_filtering() else True
    try:
        listing = history.page(
            reads.for_accounts([number]),
            number=number,
            owner_id=current_user().id,
            limit=PAGE_SIZE,
            cursor=request.args.get("cursor") or None,
            where=history_filter(form) if valid else history.NO_FILTER,
        )
    except InvalidInput as refusal:
        abort(400, description=refusal.detail)
    kept = {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}
    paged = bool(request.args.get("cursor"))
    # The picture belongs with the newest page; paging through older movements does not redraw it.
    flows = (
        None
        if paged
        else monthly.last_months(
            reads.for_accounts([number]), number=number, owner_id=current_user().id, zone=bank_zone()
        )
    )
    return render_template(
        "account.html",
        chart=chart.draw(flows.months) if flows else None,
        page=listing,
        days=by_day(listing.items),
        account=listing.account,
        filters=form,
        kept=kept if valid else {},
        paged=paged,
    ), (status if valid else 400)


@bp.get("/accounts/<number>")
@login_required
def account(number: str):
    """Balance and history, newest first, in pages; the query string narrows the history."""
    return show_account(number, HistoryFilterForm(request.args))


@bp.get("/details")
@login_required
def details():
    """The original miniBank's address for the same page: /details?account=NUMBER."""
    return show_account(normalize_number(request.args.get("account")), HistoryFilterForm(formdata=None))


def _start_of(day) -> datetime:
    return datetime.combine(day, time.min, tzinfo=bank_zone())


@bp.get("/accounts/<number>/statement.csv")
@login_required
def statement(number: str):
    """Download the movements the filter finds (days inclusive, in the bank's time zone) as CSV."""
    form = HistoryFilterForm(request.args)
    if not form.validate():
        return show_account(number, form, 400)
    account, items = history.between(
        reads.for_accounts([number]), number=number, owner_id=current_user().id, where=history_filter(form)
    )
    filename = statement_filename(account, form.start.day, form.end.day)
    return Response(
        statement_csv(account, items, bank_zone()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
