"""`minibank db`: create or migrate the schema, and say which database and where it stands."""

import click

from .. import migrate
from ..extensions import db
from .running import UPGRADE, operator_command


@click.group("db")
def db_group():
    """Database schema commands."""


@db_group.command("upgrade")
@operator_command(schema=None)
def db_upgrade():
    """Create the database or migrate it to the newest revision."""
    migrate.upgrade(db.engine)
    click.echo(f"database {db.display_url} at revision {migrate.current_revision(db.engine)}")


@db_group.command("current")
@operator_command(schema=None)
def db_current():
    """Print which database the settings name, its revision and whether it is the newest."""
    current = migrate.current_revision(db.engine)
    state = "head" if migrate.is_current(db.engine) else f"behind; {UPGRADE}"
    click.echo(f"{db.display_url} at revision {current or 'none, empty'} ({state})")
