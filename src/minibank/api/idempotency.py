"""The Idempotency-Key request header and the replay marker on answers."""

import re

from flask import request

from ..domain.errors import InvalidInput

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Printable ASCII, no space at either end (HTTP would strip it and change the key).
KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"
KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN}
_KEY = re.compile(KEY_PATTERN)


def idempotency_key() -> str | None:
    """The request's idempotency key, None without one; a malformed key is refused (422)."""
    values = request.headers.getlist(KEY_HEADER)
    if not values:
        return None
    if len(values) > 1 or not _KEY.fullmatch(values[0]):
        raise InvalidInput("Idempotency-Key must be 1 to 255 printable ASCII characters, sent once.", field=KEY_HEADER)
    return values[0]


def created(body: dict, *, replayed: bool):
    """A 201 answer; a replay of a stored result says so in a header."""
    return body, 201, ({REPLAYED_HEADER: "true"} if replayed else {})
