"""The outbox: `mail list`, `mail show ID` and `mail send`."""

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import click
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..mail.transport import FileTransport
from ..models import mail_outbox
from ..ops.mailer import sender_for
from .running import operator_command


@click.group("mail")
def mail_group():
    """The bank's outgoing e-mail: list, read (development's .eml files) and send now."""


@mail_group.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000), help="How many, newest first.")
@operator_command()
def list_command(limit):
    """The newest messages in the outbox: id, status, attempts, when, to whom, subject."""
    c = mail_outbox.c
    query = select(c.id, c.status, c.attempts, c.created_at, c.recipient, c.subject).order_by(c.id.desc()).limit(limit)
    rows = db.read(lambda conn: conn.execute(query).all())
    if not rows:
        click.echo("the outbox is empty")
    for row in rows:
        when = row.created_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{row.id:>6}  {row.status:<7}  {row.attempts}  {when}  {row.recipient}  {row.subject}")


@mail_group.command("show")
@click.argument("outbox_id", metavar="ID", type=click.IntRange(1))
@click.option("--raw", is_flag=True, help="The .eml file as written, MIME parts and all.")
@operator_command()
def show_command(outbox_id, raw):
    """Print a sent message from the instance folder's mail/ (development): its headers and plain text."""
    path = FileTransport(current_app.config["MAIL_DIR"]).path_for(outbox_id)
    if not path.is_file():
        where = "SMTP sends mail, so none is kept" if current_app.config["SMTP_URL"] else f"no file {path}"
        raise click.ClickException(f"message {outbox_id} is not in the mail folder: {where}")
    if raw:
        click.echo(path.read_text(errors="replace"), nl=False)
        return
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)  # policy.default parses into EmailMessage
    for header in ("From", "To", "Subject", "Date", "Message-ID"):
        click.echo(f"{header}: {message[header]}")
    text = message.get_body(preferencelist=("plain",))
    click.echo("")
    click.echo(text.get_content() if isinstance(text, EmailMessage) else "(no plain-text part)", nl=False)
    click.echo(f"\n(and an HTML part; {path} holds the whole message)")


@mail_group.command("send")
@operator_command()
def send_command():
    """Send every message that is due now, once, and say how many."""
    sent = sender_for(current_app).send_due(limit=10_000)
    click.echo(f"sent {sent} messages")
