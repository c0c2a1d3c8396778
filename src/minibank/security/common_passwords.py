"""Common passwords that registration refuses.

The data file holds the 30,000 most common passwords of zxcvbn's frequency lists
(MIT licence), ranked; it ships with the bank so the check works offline.
"""

from functools import cache
from importlib.resources import files


@cache
def _common() -> frozenset[str]:
    text = files("minibank").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def is_common(password: str) -> bool:
    """True when the password, ignoring case, is on the common-password list."""
    return password.lower() in _common()
