"""Template filters: money and account numbers are formatted only at the edge."""

from ..domain.accounts import format_number
from ..domain.money import format_money
from . import bp


@bp.app_template_filter("money")
def money_filter(minor: int, currency: str) -> str:
    """1234, "USD" -> "12.34 USD"."""
    return format_money(minor, currency)


@bp.app_template_filter("account_number")
def account_number_filter(number: str) -> str:
    """Digits grouped for reading."""
    return format_number(number)
