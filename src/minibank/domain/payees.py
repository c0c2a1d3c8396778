"""Confirmation of payee: how the name a customer typed compares with the name the bank holds.

As UK Confirmation of Payee answers: *match*, *close match* (the bank then shows the name it
holds, so that the customer can correct a typo), or *no match* (a warning the customer must
acknowledge before paying or saving). The held name is shown only after a close match: a
number alone never reveals its holder.
"""

import unicodedata
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz

from .errors import InvalidInput, InvisibleCharacters
from .text import hidden_character

PAYEE_NAME_MAX = 70
Outcome = Literal["match", "close_match", "no_match"]
MATCH: Outcome = "match"
CLOSE_MATCH: Outcome = "close_match"
NO_MATCH: Outcome = "no_match"
# Token-sorted similarity (0-100) from which a name is a close match: a typo, a missing letter,
# a short form, the parts in another order.
CLOSE_FROM = 80
_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir"}


@dataclass(frozen=True, slots=True)
class NameCheck:
    """The answer to a name typed for an account: the outcome, and the held name only on a close match."""

    outcome: Outcome
    held_name: str | None = None


def check_payee_name(name: object) -> str:
    """The payee name trimmed, or refused when it is not short, visible text."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("Type the name of the person or business you pay.", field="name")
    if hidden := hidden_character(name.strip()):
        raise InvisibleCharacters(f"The name may not contain invisible or control characters ({hidden}).", field="name")
    name = " ".join(name.split())
    if len(name) > PAYEE_NAME_MAX:
        raise InvalidInput(f"The name may be at most {PAYEE_NAME_MAX} characters.", field="name")
    return name


def compare_names(typed: str, held: str) -> NameCheck:
    """Compare the name a customer typed with the holder's, ignoring case, accents, punctuation and titles."""
    a, b = _tokens(typed), _tokens(held)
    if a and a == b:
        return NameCheck(MATCH)
    if a and b and (sorted(a) == sorted(b) or _initial_and_surname(a, b)):
        return NameCheck(CLOSE_MATCH, held)
    if a and b and fuzz.token_sort_ratio(" ".join(a), " ".join(b)) >= CLOSE_FROM:
        return NameCheck(CLOSE_MATCH, held)
    return NameCheck(NO_MATCH)


def _tokens(name: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return [word for word in letters.split() if word not in _TITLES]


def _initial_and_surname(a: list[str], b: list[str]) -> bool:
    """ "D Smith" for "Dan Smith": the same surname, and each given name's initial."""
    if len(a) != len(b) or a[-1] != b[-1]:
        return False
    return all(x[0] == y[0] and (len(x) == 1 or len(y) == 1 or x == y) for x, y in zip(a[:-1], b[:-1], strict=True))
