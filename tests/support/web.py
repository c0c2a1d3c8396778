"""Drive the web bank's forms like a browser: hidden fields, the transfer flow, balances."""

import html
import re

from minibank.domain.accounts import check_digits
from minibank.services import accounts

_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
_NAME = re.compile(r'name="([^"]+)"')
_VALUE = re.compile(r'value="([^"]*)"')


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page (the last one wins for a repeated name)."""
    fields = {}
    for tag in _HIDDEN.findall(page):
        name, value = _NAME.search(tag), _VALUE.search(tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


def balance(db, number: str) -> int:
    """An account's balance straight from the service."""
    return accounts.get_by_number(db, number=number, owner_id=None).balance


class Banking:
    """The transfer pages, step by step, for one logged-in client."""

    def __init__(self, client):
        self.client = client

    def form_tokens(self) -> dict[str, str]:
        """The CSRF and idempotency tokens of a freshly rendered transfer form."""
        fields = hidden_fields(self.client.get("/transfer").get_data(as_text=True))
        return {"csrf_token": fields["csrf_token"], "token": fields["token"]}

    def review(self, source: str, destination: str, amount: str, memo: str = ""):
        """POST the transfer form and follow it to the confirmation page (or the form again, with errors)."""
        data = {"from": source, "to": destination, "amount": amount, "memo": memo, **self.form_tokens()}
        return self.client.post("/transfer", data=data, follow_redirects=True)

    def confirm_data(self, source: str, destination: str, amount: str, memo: str = "") -> dict[str, str]:
        """The hidden fields of the confirmation page's form, as the browser would send them."""
        response = self.review(source, destination, amount, memo)
        assert response.status_code == 200, response.get_data(as_text=True)
        return hidden_fields(response.get_data(as_text=True))  # the logout button's token is the same one

    def confirm(self, data: dict[str, str]):
        """POST the confirmation form."""
        return self.client.post("/transfer/confirm", data=data)

    def send(self, source: str, destination: str, amount: str, memo: str = ""):
        """The whole flow: review, then confirm; returns the confirm response."""
        return self.confirm(self.confirm_data(source, destination, amount, memo))


_SESSION_END = re.compile(r'<meta name="session-expires"[^>]*>')


def comparable(response) -> tuple[int, str]:
    """Status and body with the per-request CSRF token and session clock blanked, to compare two answers."""
    page = _SESSION_END.sub("", response.get_data(as_text=True))
    return response.status_code, re.sub(r'value="[^"]*"', 'value=""', page)


def unused_number() -> str:
    """A well-formed account number that no test account has (factories draw random ones)."""
    return "12345678" + check_digits("12345678")
