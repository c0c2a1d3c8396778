"""`minibank backup DEST`: an online, consistent copy of a serving SQLite bank, and the audit head to keep."""

from pathlib import Path

import click

from ..db import Database
from ..extensions import db
from ..services import audit_chain, ledger_check
from ..store import audit_seal
from ..store.backup import copy_sqlite
from .running import operator_command

POSTGRES_RECIPE = (
    "minibank backup copies a SQLite bank; for PostgreSQL take base backups with pg_basebackup "
    "and archive the WAL (docs/production.md, Backups)"
)


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@operator_command(schema="servable")
def backup_command(destination: Path):
    """Copy the bank to DESTINATION while it serves; print the copy's audit head to keep elsewhere."""
    if db.sqlite_path is None:
        raise click.ClickException(POSTGRES_RECIPE)
    if destination.exists():
        raise click.ClickException(f"{destination} exists already: name a new file")
    if not destination.parent.is_dir():
        raise click.ClickException(f"{destination.parent} is not a folder")
    audit_seal.seal(db)  # chain what has happened so far, so that the head printed covers it
    copy_sqlite(db.sqlite_path, destination)
    copy = Database(f"sqlite:///{destination}")
    try:
        ledger = ledger_check.verify(copy)
        audit = audit_chain.verify(copy)
    finally:
        copy.dispose()
    if not ledger.ok or audit.problem is not None:
        raise click.ClickException(f"the copy at {destination} does not verify; keep the database as it is")
    click.echo(f"backup {destination}: {ledger.transfers} transfers, ledger verified")
    click.echo(
        f"audit head {audit.head_seq}:{audit.head_hash} (keep it elsewhere; on a restore, pass it to verify-audit --anchor)"
    )
