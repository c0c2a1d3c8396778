"""Helpers for API tests: callers with tokens and funded accounts, and a live server."""

import threading
from contextlib import contextmanager
from dataclasses import dataclass

from werkzeug.serving import make_server


@dataclass
class Caller:
    """A user as the API sees them: the user, their Bearer headers and (maybe) an account number."""

    user: object
    headers: dict
    account: str | None = None


class Bank:
    """Makes API callers: customers with funded accounts, and tellers."""

    def __init__(self, auth, make_user, make_account):
        self.auth, self.make_user, self.make_account = auth, make_user, make_account

    def customer(self, *, balance: int = 0, currency: str | None = None) -> Caller:
        """A customer with one account holding ``balance`` minor units."""
        user = self.make_user()
        account = self.make_account(owner=user, balance=balance, currency=currency)
        return Caller(user, self.auth.bearer(user.email), account.number)

    def teller(self, role: str = "teller") -> Caller:
        """A member of staff with ``role`` (a teller unless told)."""
        user = self.make_user(role=role)
        return Caller(user, self.auth.bearer(user.email))

    def supervisor(self) -> Caller:
        """A member of staff who may do everything in the back office."""
        return self.teller("supervisor")


def without_request_id(response) -> tuple[int, str, dict]:
    """Status, media type and body of a problem, minus the per-request id."""
    body = dict(response.get_json())
    body.pop("request_id", None)
    return response.status_code, response.mimetype, body


@contextmanager
def live_server(app):
    """Serve ``app`` with Werkzeug's threaded server on a free loopback port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
