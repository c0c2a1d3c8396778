"""A structlog processor that keeps secrets and full account numbers out of the logs."""

from collections.abc import MutableMapping
from functools import lru_cache
from typing import Any

REDACTED = "[redacted]"
# Substrings, so that new_password, refresh_token, set-cookie and x-csrf-token are caught too.
_SECRET_PARTS = ("password", "token", "authorization", "cookie", "secret", "csrf")
_ACCOUNT_KEYS = {"account", "source", "destination", "number", "from", "to", "counterparty"}


_ACCOUNT_LIKE_DIGITS = 5
_KEEP, _SECRET, _ACCOUNT = range(3)
_PLAIN = frozenset({str, int, float, bool, type(None)})


# Log keys come from a small fixed vocabulary, so each verdict is computed once.
@lru_cache(maxsize=1024)
def _treatment(key) -> int:
    name = str(key).lower().replace("-", "_")
    if any(part in name for part in _SECRET_PARTS):
        return _SECRET
    if name in _ACCOUNT_KEYS or name.endswith(("_account", "_number")):
        return _ACCOUNT
    return _KEEP


def _clean(value, treatment: int):
    if treatment == _SECRET:
        return REDACTED
    if isinstance(value, dict):
        return {k: _clean(v, _treatment(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item, treatment) for item in value]
    if treatment == _ACCOUNT:
        return _mask_any(value)
    return value


def _mask_any(value):
    # Valid or not: a mistyped number (`1234-5678-90`, fourteen digits) is still most of a real
    # one, so whatever stands under an account-like key keeps only its last four characters.
    # Text with few digits (a name, "cash") is not a number and stays readable.
    if value is None or isinstance(value, bool):
        return value
    text = str(value)
    if sum(ch.isdigit() for ch in text) < _ACCOUNT_LIKE_DIGITS:
        return value
    return "*" * (len(text) - 4) + text[-4:]


def redact(_logger: object, _method: str, event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
    """Replace secret-named values and mask account numbers, at any depth."""
    cleaned: dict[str, Any] = {}
    for key, value in event_dict.items():
        treatment = _treatment(key)
        # Most values are plain ones under plain keys: kept as they are, without a call.
        cleaned[key] = value if treatment == _KEEP and type(value) in _PLAIN else _clean(value, treatment)
    return cleaned
