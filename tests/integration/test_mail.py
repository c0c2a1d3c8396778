"""The outbox and its sender, through a real SMTP server, on both engines."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from minibank.mail import outbox
from minibank.mail.sender import MAX_ATTEMPTS, Sender, backoff_delay, claim, has_due
from minibank.mail.transport import FileTransport, SmtpTransport, parse_smtp_url
from minibank.models import mail_outbox, utcnow

from ..support.smtp import SmtpServer, body_of

SENDER = "miniBank <no-reply@bank.test>"


def queue(db, to="erin@example.com", name="Erin", link="http://bank.test/verify-email?token=t0ken"):
    message_id = db.write(
        lambda conn: outbox.queue(conn, to=to, template="verify_email", name=name, link=link, expires_in="1 day")
    )
    outbox.wake()
    return message_id


def smtp_sender(db, server, **options):
    return Sender(db, SmtpTransport(parse_smtp_url(server.url())), sender=SENDER, **options)


def row(db, message_id):
    query = select(mail_outbox).where(mail_outbox.c.id == message_id)
    return db.read(lambda conn: conn.execute(query).one())


def test_a_queued_message_is_sent_once_with_text_and_html(db):
    with SmtpServer() as server:
        message_id = queue(db)
        sender = smtp_sender(db, server)
        assert sender.send_due() == 1
        assert sender.send_due() == 0  # nothing twice
    [received] = server.inbox.messages
    assert received["To"] == "erin@example.com" and received["From"] == SENDER
    assert received["Subject"] == "Confirm your e-mail address for miniBank"
    assert "http://bank.test/verify-email?token=t0ken" in body_of(received)
    assert 'href="http://bank.test/verify-email?token=t0ken"' in body_of(received, "html")
    sent = row(db, message_id)
    assert sent.status == "sent" and sent.attempts == 1 and sent.message_id == received["Message-ID"]
    assert sent.text_body == sent.html_body == ""  # a link's token is not kept once the mail is out


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_login_is_used_when_the_url_has_a_user(db):
    with SmtpServer(users={"bank": "s3cret"}) as server:
        queue(db)
        url = server.url("bank", "s3cret")
        assert Sender(db, SmtpTransport(parse_smtp_url(url)), sender=SENDER).send_due() == 1
    assert len(server.inbox.messages) == 1


def test_a_refused_message_is_retried_with_backoff_then_sent_once(db):
    with SmtpServer() as server:
        server.inbox.refuse_next = 2
        message_id = queue(db)
        sender = smtp_sender(db, server, backoff_first=0.3)
        before = utcnow()
        assert sender.send_due() == 0
        waiting = row(db, message_id)
        assert waiting.status == "queued" and waiting.attempts == 1 and "451" in waiting.last_error
        assert waiting.next_attempt_at >= before + timedelta(seconds=0.3)
        assert sender.send_due() == 0  # not due yet: nothing is tried before its time
        time.sleep(0.35)
        assert sender.send_due() == 0  # the second refusal; the wait doubles
        assert row(db, message_id).next_attempt_at >= utcnow() + timedelta(seconds=0.4)
        time.sleep(0.65)
        assert sender.send_due() == 1
    assert len(server.inbox.messages) == 1 and row(db, message_id).attempts == 3


def test_backoff_doubles_up_to_an_hour_and_a_message_fails_after_the_last_attempt(db):
    assert [backoff_delay(n, first=5) for n in (1, 2, 3)] == [5, 10, 20]
    assert backoff_delay(30) == 3600
    message_id = queue(db)

    class Broken:
        def send(self, message):
            raise ConnectionRefusedError("no server")

    sender = Sender(db, Broken(), sender=SENDER, backoff_first=0)
    for _ in range(MAX_ATTEMPTS):
        sender.send_due()
    assert row(db, message_id).status == "failed" and not has_due(db)


def test_two_senders_racing_send_each_message_exactly_once(db):
    with SmtpServer() as server:
        queued = [queue(db, to=f"user{n}@example.com") for n in range(24)]
        sent = []
        start = threading.Barrier(2)

        def run():
            start.wait()
            sent.append(smtp_sender(db, server).send_due())

        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(sent) == len(queued)
    counts = Counter(message["To"] for message in server.inbox.messages)
    assert len(counts) == len(queued) and set(counts.values()) == {1}
    assert len({message["Message-ID"] for message in server.inbox.messages}) == len(queued)


_CRASH = """
import os, signal, sys
from datetime import timedelta
from minibank.db import Database
from minibank.mail import outbox
from minibank.mail.sender import claim
db = Database(sys.argv[1])
db.write(lambda conn: outbox.queue(conn, to="crash@example.com", template="verify_email",
         name="C", link="http://bank.test/x", expires_in="1 day"))
if sys.argv[2] == "after-claim":
    claim(db, lease=timedelta(seconds=1))
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("moment", ["after-commit", "after-claim"])
def test_a_crash_between_commit_and_send_loses_nothing(db, database_url, moment):
    env = {**os.environ, "PYTHONPATH": "src"}
    result = subprocess.run([sys.executable, "-c", _CRASH, database_url, moment], env=env, timeout=60)
    assert result.returncode == -signal.SIGKILL
    with SmtpServer() as server:
        sender = smtp_sender(db, server)
        if moment == "after-claim":
            assert claim(db) is None  # held by the dead sender's lease until it runs out
            time.sleep(1.1)
        assert sender.send_due() == 1
        assert sender.send_due() == 0
    assert [message["To"] for message in server.inbox.messages] == ["crash@example.com"]


def test_development_writes_eml_files_and_the_cli_lists_shows_and_sends(app, db, runner, tmp_path):
    message_id = queue(db)
    listed = runner.invoke(args=["mail", "list"])
    assert listed.exit_code == 0 and "queued" in listed.output and "erin@example.com" in listed.output
    assert runner.invoke(args=["mail", "show", str(message_id)]).exit_code == 1  # not sent yet
    sent = runner.invoke(args=["mail", "send"])
    assert sent.exit_code == 0 and "sent 1 messages" in sent.output, sent.output
    path = FileTransport(app.config["MAIL_DIR"]).path_for(message_id)
    assert path.is_file() and path.parent == tmp_path / "instance" / "mail"
    shown = runner.invoke(args=["mail", "show", str(message_id)])
    assert shown.exit_code == 0 and "Subject: Confirm your e-mail address" in shown.output
    assert "http://bank.test/verify-email?token=t0ken" in shown.output
    assert "sent" in runner.invoke(args=["mail", "list"]).output
    missing = runner.invoke(args=["mail", "show", "999"])
    assert missing.exit_code == 1 and "not in the mail folder" in missing.output


def test_the_background_mailer_sends_soon_after_a_commit(app, db):
    from minibank.ops.mailer import Mailer, sender_for

    mailer = Mailer(sender_for(app), interval=30)  # the wake-up, not the poll, must send it
    mailer.thread.start()
    try:
        message_id = queue(db)
        deadline = time.monotonic() + 10
        while row(db, message_id).status != "sent" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        mailer.stop(timeout=10)
    assert row(db, message_id).status == "sent"
