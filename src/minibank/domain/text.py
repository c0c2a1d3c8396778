"""Text that people read in pages and statements: no invisible or direction-changing characters."""

import unicodedata

# Cc control, Cf format (bidi overrides such as U+202E, zero-width U+200B, U+FEFF), Zl and Zp
# line and paragraph separators, Cs surrogates, Co private use, Cn unassigned. Each can make
# text read differently from what it is (a payee name that reverses, a memo that breaks a line).
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def hidden_character(text: str) -> str | None:
    """The first character of ``text`` that does not show as itself, named for a message, or None."""
    if text.isascii() and text.isprintable():
        return None  # printable ASCII (space to ~) is letters, digits, punctuation and symbols only
    for ch in text:
        if unicodedata.category(ch) in _HIDDEN:
            return f"U+{ord(ch):04X}"
    return None


def how_long(seconds: int) -> str:
    """A wait as people say it: "45 seconds", "about 5 minutes", "about 2 hours"."""
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} minutes"
    return f"about {round(seconds / 3600)} hours"
