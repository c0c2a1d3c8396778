"""Template filters: money, account numbers and times are formatted only at the edge."""

from datetime import datetime, timezone

from ..domain.accounts import format_number
from ..domain.money import format_money
from . import bp


@bp.app_template_filter("money")
def money_filter(minor: int, currency: str) -> str:
    """1234, "USD" -> "12.34 USD"."""
    return format_money(minor, currency)


@bp.app_template_filter("signed_money")
def signed_money_filter(minor: int, currency: str) -> str:
    """A movement with its sign always shown: "+12.34 USD", "-12.34 USD"."""
    return ("+" if minor > 0 else "") + format_money(minor, currency)


@bp.app_template_filter("account_number")
def account_number_filter(number: str) -> str:
    """Digits grouped for reading."""
    return format_number(number)


@bp.app_template_filter("when")
def when_filter(moment: datetime) -> str:
    """A moment in UTC, to the minute: "2025-01-31 14:05 UTC"."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
