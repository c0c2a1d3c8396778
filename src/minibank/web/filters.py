"""Template filters: money, account numbers and times are formatted only at the edge."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

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


def bank_zone() -> ZoneInfo:
    """The time zone the bank shows times and cuts statement days in (MINIBANK_TIMEZONE)."""
    return ZoneInfo(current_app.config["TIMEZONE"])


@bp.app_template_filter("when")
def when_filter(moment: datetime) -> str:
    """A moment in the bank's time zone, to the minute: "2025-01-31 15:05 CET"."""
    return moment.astimezone(bank_zone()).strftime("%Y-%m-%d %H:%M %Z")


@bp.app_template_filter("clock")
def clock_filter(moment: datetime) -> str:
    """The time of day in the bank's time zone: "15:05"."""
    return moment.astimezone(bank_zone()).strftime("%H:%M")


@bp.app_template_filter("day_heading")
def day_heading_filter(day: date) -> str:
    """A day as a history heading: "Today", "Yesterday", else "Monday 30 November 2026"."""
    today = datetime.now(bank_zone()).date()
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day:%A} {day.day} {day:%B %Y}"
