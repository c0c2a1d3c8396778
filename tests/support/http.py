"""HTTP helpers for functional tests: log in through the real pages and API."""

import re

from .factories import PASSWORD

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, path: str = "/", **request_options) -> str:
    """The CSRF token from a form on ``path``."""
    html = client.get(path, **request_options).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class Auth:
    """Log in and out as a user, in a browser session (cookie) or with an API token."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD):
        """Log in through the login form; returns the response (303 on success)."""
        token = csrf_token(self.client, "/")
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token})

    def logout(self):
        """Log out with the logout button's form."""
        token = csrf_token(self.client, "/dashboard")
        return self.client.post("/logout", data={"csrf_token": token})

    def post_form(self, path: str, data: dict, *, form_page: str | None = None):
        """POST a form with a valid CSRF token taken from ``form_page`` (default: the same path)."""
        token = csrf_token(self.client, form_page or path)
        return self.client.post(path, data={**data, "csrf_token": token})

    def token(self, email: str, password: str = PASSWORD) -> str:
        """An API access token."""
        response = self.client.post("/api/v1/auth/token", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()["access_token"]

    def bearer(self, email: str, password: str = PASSWORD) -> dict:
        """Authorization headers for the API."""
        return {"Authorization": f"Bearer {self.token(email, password)}"}
