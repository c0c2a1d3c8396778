"""A customer's whole visit to a running bank over real HTTP: web pages with cookies and forms, then the API."""

import re
import uuid
from http.cookies import SimpleCookie

import requests

from .web import hidden_fields

_ACCOUNT_LINK = re.compile(r'href="/accounts/(\d{10})"')
TIMEOUT = 30


class Browser:
    """One visitor with a cookie jar, filling in the bank's forms as a browser would."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()
        # Kept by hand: production's cookies are Secure, which a cookie jar withholds from the
        # plain HTTP of a test server (in production TLS ends at the proxy in front).
        self.cookies: dict[str, str] = {}

    def get(self, path: str, **options) -> requests.Response:
        """GET a page, following no redirect."""
        return self.keep(
            self.http.get(self.base + path, allow_redirects=False, timeout=TIMEOUT, cookies=self.cookies, **options)
        )

    def post(self, path: str, data: dict, *, form_page: str | None = None, **options) -> requests.Response:
        """POST a form with the hidden fields (CSRF token...) of ``form_page`` (default: the same path)."""
        fields = hidden_fields(self.get(form_page or path).text) if form_page != "" else {}
        return self.keep(
            self.http.post(
                self.base + path,
                data={**fields, **data},
                allow_redirects=False,
                timeout=TIMEOUT,
                cookies=self.cookies,
                **options,
            )
        )

    def keep(self, response: requests.Response) -> requests.Response:
        """Take the cookies a response sets (and drop those it deletes)."""
        for header in set_cookies(response):
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"] or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def account_numbers(self) -> list[str]:
        """The numbers of the accounts on this visitor's dashboard."""
        return _ACCOUNT_LINK.findall(self.get("/dashboard").text)


def web_visit(base: str, *, payer_email: str, payer_password: str, source: str) -> str:
    """Register a new customer who opens an account, then pay 12.34 into it from ``source`` through the
    confirm step, and log both out; returns the new account's number."""
    newcomer = Browser(base)
    email, password = f"new-{uuid.uuid4().hex[:12]}@example.com", "a long and unusual passphrase 7"
    answer = newcomer.post(
        "/register", {"email": email, "name": "New Customer", "password": password, "confirm_password": password}
    )
    assert answer.status_code == 303, answer.text  # "check your inbox": registering logs nobody in
    answer = newcomer.post("/login", {"email": email, "password": password}, form_page="/")
    assert answer.status_code == 303, answer.text
    assert newcomer.post("/accounts", {"name": "Everyday"}, form_page="/dashboard").status_code == 303
    [number] = newcomer.account_numbers()
    log_out(newcomer)

    payer = Browser(base)
    answer = payer.post("/login", {"email": payer_email, "password": payer_password}, form_page="/")
    assert answer.status_code == 303, answer.text
    checked = payer.post("/transfer", {"from": source, "to": number, "amount": "12.34", "memo": "first"})
    assert checked.status_code == 303, checked.text  # post/redirect/get, to Check and confirm
    review = payer.get(checked.headers["Location"].removeprefix(base))
    assert review.status_code == 200 and "Confirm and send" in review.text, review.text
    confirm = payer.post("/transfer/confirm", hidden_fields(review.text), form_page="")
    assert confirm.status_code == 303, confirm.text
    receipt = payer.get(confirm.headers["Location"].removeprefix(base))
    assert receipt.status_code == 200 and "12.34" in receipt.text
    log_out(payer)
    return number


def log_out(visitor: Browser) -> None:
    """Log out through the menu's button; the dashboard then sends the visitor to the login page."""
    assert visitor.post("/logout", {}, form_page="/dashboard").status_code == 303
    assert visitor.get("/dashboard").status_code in (302, 303)


def api_visit(base: str, *, email: str, password: str, source: str, destination: str) -> None:
    """Through the API: a token, a transfer of 1.00, the token revoked and refused after."""
    http = requests.Session()
    token = http.post(f"{base}/api/v1/auth/token", json={"email": email, "password": password}, timeout=TIMEOUT)
    assert token.status_code == 200, token.text
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    sent = http.post(
        f"{base}/api/v1/transfers",
        timeout=TIMEOUT,
        json={"from_account": source, "to_account": destination, "amount": "1.00"},
    )
    assert sent.status_code == 201, sent.text
    assert http.post(f"{base}/api/v1/auth/revoke", timeout=TIMEOUT).status_code == 204
    assert http.get(f"{base}/api/v1/me", timeout=TIMEOUT).status_code == 401


def set_cookies(response: requests.Response) -> list[str]:
    """Every Set-Cookie header of a response, as sent."""
    return response.raw.headers.getlist("Set-Cookie")
