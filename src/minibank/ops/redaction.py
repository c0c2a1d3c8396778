"""A structlog processor that keeps secrets and full account numbers out of the logs."""

from functools import lru_cache

from ..domain.accounts import mask_number

REDACTED = "[redacted]"
# Substrings, so that new_password, refresh_token, set-cookie and x-csrf-token are caught too.
_SECRET_PARTS = ("password", "token", "authorization", "cookie", "secret", "csrf")
_ACCOUNT_KEYS = {"account", "source", "destination", "number", "from", "to", "counterparty"}


# Log keys come from a small fixed vocabulary, so each verdict is computed once.
@lru_cache(maxsize=1024)
def _is_secret(key: str) -> bool:
    return any(part in key for part in _SECRET_PARTS)


@lru_cache(maxsize=1024)
def _is_account(key: str) -> bool:
    return key in _ACCOUNT_KEYS or key.endswith(("_account", "_number"))


def _clean(value, key: str = ""):
    if _is_secret(key):
        return REDACTED
    if isinstance(value, dict):
        return {k: _clean(v, str(k).lower().replace("-", "_")) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(item, key) for item in value]
    if _is_account(key):
        return mask_number(value)
    return value


def redact(_logger, _method, event_dict: dict) -> dict:
    """Replace secret-named values and mask account numbers, at any depth."""
    return _clean(event_dict)
