"""How an operator command runs: on the app its settings build, logs on standard error, and
whatever the operator must mend (a setting, the database, a refusal) as one line and exit 1."""

import functools
from contextlib import contextmanager, nullcontext

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo
from sqlalchemy.exc import DBAPIError

from .. import migrate
from ..config import ConfigError
from ..domain.errors import BankError
from ..extensions import db
from ..ops import logging

UPGRADE = "run `minibank db upgrade`"


def operator_command(*, schema: str | None = "newest", logs: str = "stderr"):
    """Decorate a command: build the app, check the ``schema`` ("newest", "servable" or None), map errors to one line.

    "servable" also takes a database a newer release has migrated, as a rolling upgrade leaves it.
    """

    def decorate(command):
        @functools.wraps(command)
        def run(*args, **kwargs):
            try:
                with _app_context(), logging.to_stderr() if logs == "stderr" else nullcontext():
                    if schema:
                        _check_schema(servable=schema == "servable")
                    return command(*args, **kwargs)
            except ConfigError as error:
                raise click.ClickException(str(error)) from None
            except BankError as refusal:
                field = f"{refusal.field}: " if refusal.field else ""
                raise click.ClickException(field + refusal.detail) from None
            except DBAPIError as error:
                raise click.ClickException(_database_trouble(error)) from None

        return run

    return decorate


@contextmanager
def _app_context():
    """The current app, else the one the settings build (as flask.cli.with_appcontext does, but inside the guard)."""
    if current_app:
        yield
        return
    app: Flask = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context():
        yield


def _check_schema(*, servable: bool) -> None:
    revision = migrate.current_revision(db.engine)
    fit = migrate.serves(db.engine, revision) if servable else revision == migrate.head_revision(db.engine)
    if not fit:
        raise click.ClickException(f"the database {db.display_url} is not at the newest revision; {UPGRADE}")


def _database_trouble(error: DBAPIError) -> str:
    """One line: which database, the driver's first line of why, and what to check."""
    reason = (str(error.orig).strip().splitlines() or [type(error.orig).__name__])[0]
    if db.dialect == "sqlite":
        hint = "check MINIBANK_DATABASE_URL or MINIBANK_INSTANCE_PATH; `minibank db upgrade` creates the file"
    else:
        hint = "check MINIBANK_DATABASE_URL and that the database server is running and lets this user in"
    return f"cannot use the database {db.display_url}: {reason}; {hint}"
