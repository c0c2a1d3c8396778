"""The contract and a page to read it: /api/openapi.json and /api/docs (assets served locally)."""

from flask import abort, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from . import docs_bp
from .openapi import document

# Only what the page loads; nothing else of the bundle's folder is served.
_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"}


@docs_bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document of /api/v1."""
    return document(), 200


@docs_bp.get("/docs")
def docs_page():
    """Swagger UI over the document; its initializer is a static file (the CSP forbids inline script)."""
    return render_template("api_docs.html")


@docs_bp.get("/docs/assets/<name>")
def docs_asset(name: str):
    """One Swagger UI file from the installed bundle."""
    if name not in _ASSETS:
        abort(404)
    return send_from_directory(swagger_ui_path, name, max_age=86400)
