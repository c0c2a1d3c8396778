"""How an operator command runs: on a current schema, a refusal or an unreachable database in one line."""

import functools

import click
from sqlalchemy.exc import OperationalError

from .. import migrate
from ..domain.errors import BankError
from ..extensions import db


def refusals_exit_nonzero(command):
    """Run a command on a current schema; a refusal or an unreachable database is one line and exit 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            if not migrate.is_current(db.engine):
                raise click.ClickException("the database is not at the newest revision; run `minibank db upgrade`")
            return command(*args, **kwargs)
        except BankError as refusal:
            raise click.ClickException(refusal.detail) from None
        except OperationalError as error:
            raise click.ClickException(f"cannot use the database: {str(error.orig).splitlines()[0]}") from None

    return wrapper
