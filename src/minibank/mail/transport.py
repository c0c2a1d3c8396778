"""How a message leaves: SMTP (MINIBANK_SMTP_URL), or .eml files in a folder for development."""

import os
import smtplib
import ssl
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

SMTP_URL_FORMS = "smtp://USER:PASSWORD@HOST:587?starttls=1 or smtps://USER:PASSWORD@HOST:465"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    """Where and how to speak SMTP."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None
    timeout: float


def parse_smtp_url(url: str) -> SmtpSettings:
    """Parse smtp:// or smtps:// with optional user, password and ``starttls``/``timeout``; ValueError says why."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError("the scheme must be smtp or smtps")
    if not parts.hostname:
        raise ValueError("it names no host")
    port = parts.port or (465 if parts.scheme == "smtps" else 25)  # .port raises ValueError when out of range
    query = parse_qs(parts.query, strict_parsing=bool(parts.query))
    unknown = set(query) - {"starttls", "timeout"}
    if unknown:
        raise ValueError(f"unknown option {sorted(unknown)[0]!r}")
    starttls_text = query.get("starttls", ["0"])[-1].lower()
    if starttls_text not in _TRUE + _FALSE:
        raise ValueError("starttls must be 1 or 0")
    starttls = starttls_text in _TRUE
    if starttls and parts.scheme == "smtps":
        raise ValueError("smtps is TLS already; starttls is for smtp://")
    timeout = float(query.get("timeout", ["30"])[-1])
    if not 1 <= timeout <= 300:
        raise ValueError("timeout must be from 1 to 300 seconds")
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        implicit_tls=parts.scheme == "smtps",
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )


class Transport(Protocol):
    """Something that delivers one message or raises."""

    def send(self, message: EmailMessage) -> None:
        """Deliver ``message``; an exception means it may be tried again."""


class SmtpTransport:
    """One SMTP connection per message: simple, and a broken connection never outlives its message."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        """Connect, upgrade to TLS if asked, log in if a user is set, send, quit."""
        s = self.settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.implicit_tls:
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        with client:
            if s.starttls:
                client.starttls(context=context)
            if s.username:
                client.login(s.username, s.password or "")
            client.send_message(message)


class FileTransport:
    """Development: each message is an .eml file in a folder, named by its outbox id, for a person to read."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)

    def path_for(self, outbox_id: int) -> Path:
        """Where the message with this outbox id is written."""
        return self.directory / f"{outbox_id:06d}.eml"

    def send(self, message: EmailMessage) -> None:
        """Write the message whole (a temporary file renamed into place), or not at all."""
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path_for(int(message["X-Minibank-Outbox-Id"]))
        fd, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.as_bytes())
        os.replace(temporary, target)


def transport_for(smtp_url: str | None, mail_dir: str | Path) -> Transport:
    """SMTP when a URL is set, else .eml files in ``mail_dir``."""
    return SmtpTransport(parse_smtp_url(smtp_url)) if smtp_url else FileTransport(mail_dir)
