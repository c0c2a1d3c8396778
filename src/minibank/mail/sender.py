"""The sender: claims due messages from the outbox, sends each, marks it sent, retries with backoff.

A claim is one UPDATE that sets status "sending", a lease and attempts + 1 on a row that is due
(queued and past its next attempt, or sending with a lease that ran out): two senders, in threads
or processes, never hold the same row. A crash before the send leaves the row to be claimed again
when its lease ends; the one window for a duplicate is a crash after the server accepted the
message and before it is marked sent, and the message then goes again with the same Message-ID.
"""

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate

import structlog
from sqlalchemy import Connection, and_, or_, select, update

from ..db import Database
from ..models import mail_outbox, utcnow
from .transport import Transport

log = structlog.get_logger("minibank.mail")

# Longer than any one SMTP exchange (its timeout is at most 300 s): a live sender keeps its claim.
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 12
BACKOFF_FIRST = 5.0
BACKOFF_MAX = 3600.0


@dataclass(frozen=True, slots=True)
class Claimed:
    """A message this sender holds, and the attempt number that proves the claim is still its own."""

    id: int
    message_id: str
    recipient: str
    subject: str
    text_body: str
    html_body: str
    attempts: int


def _due(now):
    c = mail_outbox.c
    return or_(
        and_(c.status == "queued", c.next_attempt_at <= now),
        and_(c.status == "sending", c.lease_until < now),
    )


def has_due(db: Database) -> bool:
    """Whether anything is waiting to be sent (a read: an idle poll writes nothing)."""
    query = select(mail_outbox.c.id).where(_due(utcnow())).limit(1)
    return db.read(lambda conn: conn.execute(query).first()) is not None


def claim(db: Database, *, lease: timedelta = LEASE) -> Claimed | None:
    """Take the oldest due message for this sender, or None when nothing is due."""

    def work(conn: Connection) -> Claimed | None:
        now = utcnow()
        c = mail_outbox.c
        # SKIP LOCKED: on PostgreSQL two senders pick different rows rather than wait on one;
        # SQLite has no row locks (BEGIN IMMEDIATE already runs one writer at a time).
        candidate = select(c.id).where(_due(now)).order_by(c.id).limit(1).with_for_update(skip_locked=True)
        row = conn.execute(
            update(mail_outbox)
            .where(c.id == candidate.scalar_subquery(), _due(now))
            .values(status="sending", lease_until=now + lease, attempts=c.attempts + 1)
            .returning(c.id, c.message_id, c.recipient, c.subject, c.text_body, c.html_body, c.attempts)
        ).first()
        return Claimed(*row) if row else None

    return db.write(work)


def mark_sent(db: Database, claimed: Claimed) -> bool:
    """Record the send; the bodies (which may hold a link's token) are not kept once sent."""
    c = mail_outbox.c
    statement = (
        update(mail_outbox)
        .where(c.id == claimed.id, c.status == "sending", c.attempts == claimed.attempts)
        .values(status="sent", sent_at=utcnow(), lease_until=None, text_body="", html_body="", last_error=None)
    )
    return db.write(lambda conn: conn.execute(statement).rowcount) == 1


def backoff_delay(attempts: int, *, first: float = BACKOFF_FIRST) -> float:
    """Seconds before attempt ``attempts + 1``: doubling from ``first``, at most an hour."""
    return min(first * 2 ** (attempts - 1), BACKOFF_MAX)


def mark_failed(db: Database, claimed: Claimed, error: BaseException, *, first: float = BACKOFF_FIRST) -> str:
    """Put the message back with a later next attempt, or give up after MAX_ATTEMPTS; the new status."""
    c = mail_outbox.c
    give_up = claimed.attempts >= MAX_ATTEMPTS
    status = "failed" if give_up else "queued"
    statement = (
        update(mail_outbox)
        .where(c.id == claimed.id, c.status == "sending", c.attempts == claimed.attempts)
        .values(
            status=status,
            lease_until=None,
            next_attempt_at=utcnow() + timedelta(seconds=backoff_delay(claimed.attempts, first=first)),
            last_error=f"{type(error).__name__}: {error}"[:300],
        )
    )
    db.write(lambda conn: conn.execute(statement))
    return status


def build(claimed: Claimed, *, sender: str) -> EmailMessage:
    """The message as it goes on the wire: text with an HTML alternative, and its fixed Message-ID."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = claimed.recipient
    message["Subject"] = claimed.subject
    message["Message-ID"] = claimed.message_id
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["X-Minibank-Outbox-Id"] = str(claimed.id)
    message.set_content(claimed.text_body)
    message.add_alternative(claimed.html_body, subtype="html")
    return message


class Sender:
    """Sends what the outbox holds through one transport."""

    def __init__(
        self,
        db: Database,
        transport: Transport,
        *,
        sender: str,
        lease: timedelta = LEASE,
        backoff_first: float = BACKOFF_FIRST,
    ):
        self.db = db
        self.transport = transport
        self.sender = sender
        self.lease = lease
        self.backoff_first = backoff_first

    def send_due(self, *, limit: int = 100) -> int:
        """Send due messages until none is left (or ``limit``); how many were sent."""
        sent = 0
        for _ in range(limit):
            claimed = claim(self.db, lease=self.lease)
            if claimed is None:
                break
            try:
                self.transport.send(build(claimed, sender=self.sender))
            except Exception as error:  # any failure of the transport: try again later
                status = mark_failed(self.db, claimed, error, first=self.backoff_first)
                log.warning("mail.send_failed", outbox_id=claimed.id, attempts=claimed.attempts, status=status)
                continue
            if mark_sent(self.db, claimed):
                sent += 1
                log.info("mail.sent", outbox_id=claimed.id)
        return sent
