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
    """True when the password, ignoring case, is a listed one, a listed one repeated,
    or a listed one with digits or symbols tacked on the end ("password2024!")."""
    common = _common()
    text = password.lower()
    if text in common:
        return True
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size] in common or size < 4
    stem = text.rstrip("0123456789!@#$%^&*()_-+=.?~ ")
    return len(stem) >= 4 and stem in common
