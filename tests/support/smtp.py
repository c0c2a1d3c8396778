"""A real SMTP server (aiosmtpd) in the test process, keeping what it receives."""

import email
import threading
from email.message import Message

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from .servers import free_port


class Inbox:
    """aiosmtpd's handler: each accepted message parsed, and a number of refusals to answer first."""

    def __init__(self):
        self.messages: list[Message] = []
        self.refuse_next = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        """Accept the message, or refuse it as a server that is busy would (451)."""
        with self._lock:
            if self.refuse_next:
                self.refuse_next -= 1
                return "451 4.3.0 Try again later"
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        """The messages received for ``address``."""
        return [message for message in self.messages if message["To"] == address]


def body_of(message: Message, subtype: str = "plain") -> str:
    """The text/plain (or text/html) part of a received message."""
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text/{subtype} part")


class SmtpServer:
    """aiosmtpd on a free port of 127.0.0.1; with ``users``, AUTH is required (over plain text, as in a test)."""

    def __init__(self, users: dict[str, str] | None = None):
        self.inbox = Inbox()
        self.port = free_port()
        self.users = users
        options = {}
        if users is not None:
            options = {"authenticator": self._authenticate, "auth_required": True, "auth_require_tls": False}
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **options)

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
        password = auth_data.password.decode() if isinstance(auth_data.password, bytes) else auth_data.password
        return AuthResult(success=self.users is not None and self.users.get(login) == password)

    def url(self, user: str | None = None, password: str | None = None) -> str:
        """The MINIBANK_SMTP_URL for this server."""
        credentials = f"{user}:{password}@" if user else ""
        return f"smtp://{credentials}127.0.0.1:{self.port}"

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
