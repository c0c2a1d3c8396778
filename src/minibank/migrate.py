"""Run Alembic from inside the bank: upgrade to head, report the current revision."""

from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at the packaged migrations and the bank's engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser reads "%" as interpolation: a URL's escapes (a multi-host URL's "%3A") are doubled.
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default); a SQLite file's folder is made when missing."""
    _make_sqlite_folder(engine)
    config = alembic_config(engine)
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _make_sqlite_folder(engine: Engine) -> None:
    # SQLite creates the file but not its folder; in production no secret key file has made it.
    path = engine.url.database
    if engine.dialect.name == "sqlite" and path and path != ":memory:":
        Path(path).parent.mkdir(mode=0o700, parents=True, exist_ok=True)


@contextmanager
def _migrating(engine: Engine):
    """A connection in one transaction for migrations; on SQLite with foreign keys off until it commits.

    SQLite changes a constraint only by rebuilding the table, and dropping a table that
    others reference fails with foreign keys on. They can only be switched outside a
    transaction, so this follows SQLite's own procedure: off, migrate, check every key
    before committing, on again.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        driver = None  # SQLite's own connection, to switch foreign keys outside a transaction
        if sqlite:
            driver = connection.connection.driver_connection
            if driver is None:
                raise RuntimeError("the SQLite connection has no driver connection (it was invalidated)")
            enforced = driver.execute("PRAGMA foreign_keys").fetchone()[0]
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"migration left a foreign key broken: {tuple(broken)}")
        finally:
            if driver is not None:
                driver.execute(f"PRAGMA foreign_keys={enforced}")


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest revision."""
    return current_revision(engine) == head_revision(engine)


def serves(engine: Engine, revision: str | None) -> bool:
    """True when this code can serve a database at ``revision``.

    That is the newest revision it knows, or one it does not know at all: a newer release
    has migrated the database, and each release's migrations keep the schema working for
    the release before (add first, remove a release later), so a rolling upgrade keeps the
    old instances in service. A revision it knows but is ahead of is a database to upgrade.
    """
    if revision is None:
        return False
    script = ScriptDirectory.from_config(alembic_config(engine))
    if revision == script.get_current_head():
        return True
    try:
        script.get_revision(revision)
    except CommandError:
        return True
    return False


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database back to ``revision`` ("base": empty)."""
    config = alembic_config(engine)
    with _migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
