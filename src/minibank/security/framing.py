"""Requests whose body framing two servers could read differently are refused."""

from flask import Flask, request
from werkzeug.exceptions import BadRequest


class AmbiguousFraming(BadRequest):
    """A Transfer-Encoding other than plain `chunked` (e.g. `identity, chunked`)."""

    description = "Transfer-Encoding must be 'chunked' alone."

    def get_headers(self, environ=None, scope=None):
        """The connection closes: what follows on it cannot be trusted to start a new request."""
        return [*super().get_headers(environ, scope), ("Connection", "close")]


def _refuse_ambiguous_framing() -> None:
    # gunicorn accepts `identity, chunked`; a proxy in front may frame that body otherwise,
    # which is how requests are smuggled. One coding, `chunked`, is all a client needs.
    coding = request.environ.get("HTTP_TRANSFER_ENCODING")
    if coding is not None and coding.strip().lower() != "chunked":
        raise AmbiguousFraming()


def init_app(app: Flask) -> None:
    """Check every request's framing before anything reads its body (register before CSRF and limits)."""
    app.before_request(_refuse_ambiguous_framing)
