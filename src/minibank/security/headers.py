"""Security headers on every response."""

from flask import Flask, g, request

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'; img-src 'self' data:"
)
_ALWAYS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)
# Nothing a customer sees may linger in a shared or back-button cache.
_NO_STORE = (("Cache-Control", "no-store"),)
_HSTS = (("Strict-Transport-Security", "max-age=63072000; includeSubDomains"),)


def _headers_for(production: bool):
    always = _ALWAYS + _HSTS if production else _ALWAYS

    def add_headers(response):
        headers = response.headers
        wanted = always if request.path.startswith("/static/") and g.get("user") is None else always + _NO_STORE
        # One look at what the view set, instead of a scan of the list for every header.
        present = {key.lower() for key, _ in headers}
        for key, value in wanted:
            if key.lower() in present:
                headers[key] = value
            else:
                headers.add(key, value)
        if "server" in present:
            del headers["Server"]
        return response

    return add_headers


def init_app(app: Flask) -> None:
    """Add the headers to every response the app sends."""
    app.after_request(_headers_for(app.config["PRODUCTION"]))
