"""A structlog processor that keeps secrets and full account numbers out of the logs."""

from functools import lru_cache

from ..domain.accounts import mask_number

REDACTED = "[redacted]"
# Substrings, so that new_password, refresh_token, set-cookie and x-csrf-token are caught too.
_SECRET_PARTS = ("password", "token", "authorization", "cookie", "secret", "csrf")
_ACCOUNT_KEYS = {"account", "source", "destination", "number", "from", "to", "counterparty"}


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
        return mask_number(value)
    return value


def redact(_logger, _method, event_dict: dict) -> dict:
    """Replace secret-named values and mask account numbers, at any depth."""
    cleaned = {}
    for key, value in event_dict.items():
        treatment = _treatment(key)
        # Most values are plain ones under plain keys: kept as they are, without a call.
        cleaned[key] = value if treatment == _KEEP and type(value) in _PLAIN else _clean(value, treatment)
    return cleaned
