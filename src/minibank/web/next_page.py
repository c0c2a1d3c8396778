"""Where to go after logging in: a path of this site only, never another site's address."""

import re
from urllib.parse import urlsplit

from flask import url_for

MAX_LENGTH = 2000
# Browsers drop tabs and newlines inside a URL and read a backslash as a slash: "/\t/evil" and
# "/\\evil" would both leave the site.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def local_path(value: str | None) -> str | None:
    """``value`` when it is a path on this site ("/transfer?to=..."); None for anything else."""
    if not value or len(value) > MAX_LENGTH or _UNSAFE.search(value):
        return None
    if not value.startswith("/") or value.startswith("//"):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def login_url(next_path: str | None = None) -> str:
    """The login page, sending the customer back to ``next_path`` (a local path) once logged in."""
    safe = local_path(next_path)
    return url_for("web.index", next=safe) if safe and safe != url_for("web.dashboard") else url_for("web.index")
