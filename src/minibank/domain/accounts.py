"""Account numbers: ten digits, the last two an ISO 7064 MOD 97-10 check (as in IBAN)."""

import re
import secrets

NUMBER_LENGTH = 10
_BODY_LENGTH = NUMBER_LENGTH - 2
_NUMBER = re.compile(rf"[0-9]{{{NUMBER_LENGTH}}}")


def check_digits(body: str) -> str:
    """The two check digits that make ``body + digits`` leave remainder 1 modulo 97."""
    return f"{98 - (int(body) * 100) % 97:02d}"


def new_number() -> str:
    """A random, non-sequential account number with valid check digits."""
    # A leading non-zero digit keeps the number the same if someone stores it as an integer.
    body = str(secrets.randbelow(9 * 10 ** (_BODY_LENGTH - 1)) + 10 ** (_BODY_LENGTH - 1))
    return body + check_digits(body)


_SEPARATORS = re.compile(r"[\s-]")


def normalize_number(text: object) -> str:
    """Strip the spaces and dashes people type between digit groups."""
    if not isinstance(text, str):
        return ""
    if len(text) <= 64 and text.isascii() and text.isdigit():
        return text  # nothing to strip: most numbers come this way
    return _SEPARATORS.sub("", text)[:64]


def is_valid_number(number: object) -> bool:
    """True when the number has the right shape and its check digits agree.

    MOD 97-10 catches every single mistyped digit and every swap of two adjacent digits.
    """
    return isinstance(number, str) and bool(_NUMBER.fullmatch(number)) and int(number) % 97 == 1


def format_number(number: str) -> str:
    """Group the digits for reading: "1234 5678 90"."""
    return f"{number[:4]} {number[4:8]} {number[8:]}"


def mask_number(number: object) -> object:
    """Hide all but the last four digits of a number-like string: "******7806"."""
    if isinstance(number, str) and len(number) > 4 and number.isascii() and number.isdigit():
        return "*" * (len(number) - 4) + number[-4:]
    return number
