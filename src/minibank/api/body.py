"""Strict JSON request bodies: JSON only, no duplicate keys, no NaN, known fields only."""

import json
import re

from flask import request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain.errors import BankError


class MalformedJson(BankError):
    """The body is not valid JSON."""

    code = "malformed_json"


class UnsupportedMediaType(BankError):
    """Send the body as application/json."""

    code = "unsupported_media_type"


class RequestInvalid(BankError):
    """The request body is not valid."""

    code = "validation_error"

    def __init__(self, errors: list[dict], *, detail: str = "The request body is not valid; see errors."):
        super().__init__(detail)
        self.errors = errors


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):  # a key given twice: name the first of them, in order
        keys = [key for key, _ in pairs]
        raise _DuplicateKey(sorted({k for k in keys if keys.count(k) > 1})[0])
    return result


def _no_constants(name):
    raise ValueError(f"{name} is not valid JSON")


def parse_json(model: type[BaseModel]):
    """The request body validated into ``model``, or a 4xx refusal that says why."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    raw = request.get_data(cache=True)  # over MAX_CONTENT_LENGTH: 413 before this returns
    limit = request.max_content_length
    if limit is not None and request.content_length is None and len(raw) >= limit:
        # A streamed (chunked) body is cut at the cap without an error: refuse it, never parse a prefix.
        raise RequestEntityTooLarge()
    try:
        data = json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except _DuplicateKey as duplicate:
        raise MalformedJson(f"The key {str(duplicate)!r} appears more than once.") from None
    except (ValueError, RecursionError):
        raise MalformedJson() from None
    try:
        parsed = model.model_validate(data)
    except ValidationError as invalid:
        raise RequestInvalid(validation_errors(invalid)) from None
    if _ESCAPED_UNSTORABLE.search(raw):  # only an escape can carry them into valid JSON
        _refuse_unstorable_text(data)
    return parsed


def validation_errors(invalid: ValidationError) -> list[dict]:
    """pydantic's findings as the bank's ``errors`` list: field, code, message."""
    return [
        {
            "field": ".".join(str(part) for part in error["loc"]) or "body",
            "code": error["type"],
            "message": error["msg"],
        }
        for error in invalid.errors(include_url=False, include_input=False)
    ]


# PostgreSQL refuses NUL in text and UTF-8 cannot encode a lone surrogate: either would be a 500.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ESCAPED_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def _refuse_unstorable_text(value, path: str = "") -> None:
    """Every text of the body as decoded (the models' fields are its keys), nested objects and lists included."""
    if isinstance(value, dict):
        for name, inner in value.items():
            _refuse_unstorable_text(inner, f"{path}.{name}" if path else name)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _refuse_unstorable_text(inner, f"{path}.{index}")
    elif isinstance(value, str) and _UNSTORABLE.search(value):
        raise RequestInvalid(
            [{"field": path, "code": "string_unicode", "message": "Text may not contain NUL or unpaired surrogates."}]
        )
