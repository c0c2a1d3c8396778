"""URL converters: a path id resolves only in its one canonical spelling."""

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response
from werkzeug.routing import IntegerConverter


class CanonicalInt(IntegerConverter):
    """Werkzeug's int converter, for ASCII digits without leading zeros only.

    Its own pattern is `\\d+`, which in Python matches any script's digits (`١`) and leading
    zeros (`01`): several paths for one object, which caches, logs and audits then tell apart.
    """

    regex = r"(?:0|[1-9][0-9]*)"


def _relative_redirect(response: Response) -> Response:
    # Werkzeug's routing redirects (`/api//v1/me` -> `/api/v1/me`) spell the Location from the
    # Host header, which the client chooses: `Host: evil.example` would send the browser there,
    # and a cache in front could keep that answer for everyone. A path-only Location stays on
    # this site. Flask hands these redirects back without error handlers; after_request sees them.
    if response.status_code in (301, 308) and "Location" in response.headers:
        _, _, path, query, _ = urlsplit(response.headers["Location"])
        response.headers["Location"] = urlunsplit(("", "", "/" + path.lstrip("/"), query, ""))
        response.autocorrect_location_header = False
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Make every `<int:...>` rule of the app canonical, and routing's redirects relative."""
    app.url_map.converters["int"] = CanonicalInt
    app.after_request(_relative_redirect)
