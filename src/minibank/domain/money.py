"""Money as integer minor units: parsing decimal text and formatting it back."""

import re
from decimal import Decimal

from .errors import InvalidAmount

MINOR_DIGITS = 2
MINOR_PER_MAJOR = 10**MINOR_DIGITS
# The balance and amount columns are signed 64-bit integers.
MAX_MINOR = 2**63 - 1

# ASCII digits only: str.isdigit() and \d would also accept other scripts' digits.
_AMOUNT = re.compile(r"[0-9]{1,18}(?:\.[0-9]{1,2})?")


def parse_amount(text: object) -> int:
    """Turn decimal text such as "12.34" into minor units (1234); refuse anything else."""
    if not isinstance(text, str) or not _AMOUNT.fullmatch(text):
        raise InvalidAmount()
    minor = int(Decimal(text).scaleb(MINOR_DIGITS))
    if minor <= 0:
        raise InvalidAmount("The amount must be greater than zero.")
    if minor > MAX_MINOR:
        raise InvalidAmount("The amount is too large.")
    return minor


def format_amount(minor: int) -> str:
    """Format minor units as plain decimal text: 1234 -> "12.34", -5 -> "-0.05"."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), MINOR_PER_MAJOR)
    return f"{sign}{whole}.{cents:0{MINOR_DIGITS}d}"


def format_money(minor: int, currency: str) -> str:
    """Format for people: thousands separators and the currency, e.g. "1,234.50 USD"."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), MINOR_PER_MAJOR)
    return f"{sign}{whole:,}.{cents:0{MINOR_DIGITS}d} {currency}"
