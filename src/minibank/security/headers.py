"""Security headers on every response."""

from flask import Flask, current_app, g, request

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'; img-src 'self' data:"
)


def _add_headers(response):
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if not request.path.startswith("/static/") or g.get("user") is not None:
        # Nothing a customer sees may linger in a shared or back-button cache.
        headers["Cache-Control"] = "no-store"
    if current_app.config["PRODUCTION"]:
        headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
    headers.pop("Server", None)
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response the app sends."""
    app.after_request(_add_headers)
