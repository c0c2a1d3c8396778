"""One place that turns every error into a response: problem+json for the API, a page for people."""

import math
import sqlite3
import time

import psycopg
import sqlalchemy.exc
import structlog
from flask import Flask, g, jsonify, make_response, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .domain.errors import BankError, OutcomeUnknown
from .extensions import limiter
from .store import in_doubt
from .web import session as web_session

log = structlog.get_logger("minibank.errors")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Service unavailable",
}


def wants_problem_json() -> bool:
    """API paths answer in problem+json; everything else answers with a page."""
    return request.path.startswith("/api/")


def error_response(
    status: int,
    *,
    code: str | None = None,
    detail: str | None = None,
    errors: list[dict] | None = None,
    headers: dict | None = None,
    extra: dict | None = None,
):
    """Build the error response for the current request, in its front door's format (``extra``: more problem members)."""
    code = code or _HTTP_CODES.get(status, "error")
    title = _TITLES.get(status, "Error")
    detail = detail or title
    if wants_problem_json():
        body = {
            "type": f"urn:minibank:problem:{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
            "request_id": g.get("request_id"),
        }
        if errors:
            body["errors"] = errors
        body.update(extra or {})
        response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
    else:
        response = make_response(_error_page(status, title, detail), status)
    for name, value in (headers or {}).items():
        response.headers[name] = str(value)
    return response


def _error_page(status: int, title: str, detail: str) -> str:
    """The error page, with the menu for a logged-in customer."""
    # Not when the bank is failing or shedding load (5xx, 429): that lookup is more work for a database in trouble.
    if status < 500 and status != 429:
        web_session.load_for_error_page()
    return render_template("error.html", status=status, title=title, detail=detail)


# The one place where the error vocabulary meets HTTP: a status per code; any other code is a
# refusal of a well-formed request, 422.
STATUS_BY_CODE = {
    "malformed_json": 400,
    "unauthenticated": 401,
    "invalid_credentials": 401,
    "second_factor_required": 401,
    "invalid_second_factor": 401,
    "forbidden": 403,
    "email_not_verified": 403,
    "second_factor_enrolment_required": 403,
    "not_found": 404,
    "idempotency_key_reused": 409,
    "conflict": 409,
    "email_taken": 409,
    "account_not_empty": 409,
    "account_status": 409,
    "invalid_link": 422,
    "unsupported_media_type": 415,
    "too_many_attempts": 429,
    "outcome_unknown": 503,
    "busy": 503,
    "ledger_unavailable": 503,
}


def status_of(error: BankError) -> int:
    """The HTTP status that answers ``error``."""
    return status_for_code(error.code)


def status_for_code(code: str) -> int:
    """The HTTP status that answers a refusal with this code (a batch item keeps only the code)."""
    return STATUS_BY_CODE.get(code, 422)


def _bank_error(error: BankError):
    headers: dict[str, str] = {}
    if error.retry_after:
        headers["Retry-After"] = str(error.retry_after)
    errors = getattr(error, "errors", None)
    if errors is None and error.field:
        errors = [{"field": error.field, "code": error.code, "message": error.detail}]
    extra = getattr(error, "extra", None)  # more problem members a refusal carries (a payee's name check)
    return error_response(
        status_of(error), code=error.code, detail=error.detail, errors=errors, headers=headers, extra=extra
    )


def _rate_limited(error: RateLimitExceeded):
    breached = limiter.current_limit
    wait = max(1, math.ceil(breached.reset_at - time.time())) if breached else 60
    return error_response(
        429, detail="Too many requests; please wait before trying again.", headers={"Retry-After": wait}
    )


def _csrf_error(error: CSRFError):
    return error_response(
        400, code="csrf_failed", detail="The form expired or did not come from this site. Please try again."
    )


def _http_error(error: HTTPException):
    status = error.code or 500
    detail = None if status >= 500 else (error.description or None)
    # A 405 keeps its Allow header (RFC 9110): clients learn which methods the path takes.
    allow = getattr(error, "valid_methods", None)
    headers = {"Allow": ", ".join(sorted(allow))} if allow else None
    return error_response(status, detail=_TITLES.get(status) if status in (404, 405) else detail, headers=headers)


def _database_unavailable(error: Exception):
    # A database that cannot be reached is an outage, not a bug: 503 and a retry hint.
    if _not_migrated(error):
        return _schema_missing(error)
    log.warning("database.unavailable", error_type=type(error).__name__)
    return _nothing_changed("The bank is temporarily unavailable. Nothing was changed; please try again.", 5)


# PostgreSQL's undefined table and undefined column; SQLite says it in words.
_SCHEMA_MISSING = ("42P01", "42703")


def _not_migrated(error: Exception) -> bool:
    orig = getattr(error, "orig", error)
    if getattr(orig, "sqlstate", None) in _SCHEMA_MISSING:
        return True
    return isinstance(orig, sqlite3.OperationalError) and str(orig).startswith(("no such table", "no such column"))


def _schema_problem(error: sqlalchemy.exc.ProgrammingError):
    return _schema_missing(error) if _not_migrated(error) else _unexpected(error)


def _schema_missing(error: Exception):
    # An outage an operator ends with `minibank db upgrade`, not a bug: 503, and /readyz says so.
    log.error("database.not_migrated", error=str(getattr(error, "orig", error)).splitlines()[0])
    return _nothing_changed(
        "The bank is not ready yet: its database is not migrated. Nothing was changed; please try again later.", 30
    )


def _nothing_changed(detail: str, retry_after: int):
    """503 saying nothing changed; unless money may have moved in this request, then outcome_unknown."""
    if in_doubt.money_may_have_moved():
        return _outcome_unknown()
    return error_response(503, detail=detail, headers={"Retry-After": retry_after})


def _unexpected(error: Exception):
    log.exception("request.failed", error_type=type(error).__name__)
    if in_doubt.money_may_have_moved():
        return _outcome_unknown()
    return error_response(500, detail="Something went wrong on our side. Nothing was changed; please try again.")


def _outcome_unknown():
    # Money may have moved before this request failed: only "we do not know" is true.
    log.warning("request.failed_after_a_move")
    return _bank_error(OutcomeUnknown())


def init_app(app: Flask) -> None:
    """Register the handlers for every kind of error."""
    app.before_request(in_doubt.clear)
    app.register_error_handler(BankError, _bank_error)
    app.register_error_handler(RateLimitExceeded, _rate_limited)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(sqlalchemy.exc.OperationalError, _database_unavailable)
    app.register_error_handler(sqlalchemy.exc.TimeoutError, _database_unavailable)  # no pooled connection in time
    app.register_error_handler(sqlalchemy.exc.ProgrammingError, _schema_problem)
    app.register_error_handler(psycopg.OperationalError, _database_unavailable)
    app.register_error_handler(Exception, _unexpected)
