"""Text that does not show as itself is found in any text, printable ASCII or not."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from minibank.domain.text import hidden_character

_HIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def _first_hidden(text: str) -> str | None:
    return next((f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) in _HIDDEN), None)


def test_every_ascii_character_alone_and_among_others():
    for code in range(128):
        for text in (chr(code), f"rent {chr(code)} due"):
            assert hidden_character(text) == _first_hidden(text), repr(text)


@given(st.text(max_size=40))
def test_any_text_is_judged_by_each_character_s_category(text):
    assert hidden_character(text) == _first_hidden(text)
