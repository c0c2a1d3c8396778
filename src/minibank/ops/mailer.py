"""A background thread that sends the outbox's mail: every second, and at once after a commit that queued some."""

import threading

import structlog

from ..mail import outbox
from ..mail.sender import Sender, has_due
from ..mail.transport import transport_for

INTERVAL = 1.0
log = structlog.get_logger("minibank.mailer")


def sender_for(app) -> Sender:
    """The app's sender: its database, its transport (SMTP or .eml files) and its From address."""
    config = app.config
    return Sender(
        app.extensions["minibank.db"],
        transport_for(config["SMTP_URL"], config["MAIL_DIR"]),
        sender=config["MAIL_FROM"],
    )


class Mailer:
    """A running mailer thread; ``stop()`` ends it after the current pass."""

    def __init__(self, sender: Sender, *, interval: float = INTERVAL):
        self._sender = sender
        self._interval = interval
        self._stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="mail-sender", daemon=True)

    def _run(self) -> None:
        while not self._stopped.is_set():
            outbox.queued.wait(self._interval)
            outbox.queued.clear()
            if self._stopped.is_set():
                break
            try:
                # A read first: an idle bank's poll takes no write lock.
                if has_due(self._sender.db):
                    self._sender.send_due()
            except Exception:
                log.exception("mail.pass_failed")

    def stop(self, timeout: float | None = None) -> None:
        """Ask the thread to finish and wait for it."""
        self._stopped.set()
        outbox.queued.set()
        self.thread.join(timeout)


def start_mailer(app, *, interval: float = INTERVAL) -> Mailer | None:
    """Start sending mail in this process when the app's MAIL_SENDER setting is on."""
    if not app.config.get("MAIL_SENDER"):
        return None
    mailer = Mailer(sender_for(app), interval=interval)
    mailer.thread.start()
    return mailer
