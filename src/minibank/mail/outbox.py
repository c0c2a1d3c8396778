"""Queueing a message inside the caller's transaction, so it is sent if and only if the action commits."""

import threading
from email.utils import make_msgid

from sqlalchemy import Connection, insert

from ..models import mail_outbox, utcnow
from .render import render

# Set after a commit that queued mail, so that this process's sender looks at once.
queued = threading.Event()


def queue(conn: Connection, *, to: str, template: str, domain: str = "minibank.localhost", **context) -> int:
    """Render ``template`` for ``to`` and add it to the outbox in ``conn``'s transaction; its id."""
    message = render(template, **context)
    now = utcnow()
    return conn.execute(
        insert(mail_outbox)
        .values(
            # Fixed now and sent with every attempt: a server or reader that sees it twice can tell.
            message_id=make_msgid(domain=domain),
            recipient=to,
            subject=message.subject,
            text_body=message.text,
            html_body=message.html,
            status="queued",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .returning(mail_outbox.c.id)
    ).scalar_one()


def wake() -> None:
    """Tell this process's sender that a commit queued mail (call after the commit)."""
    queued.set()
