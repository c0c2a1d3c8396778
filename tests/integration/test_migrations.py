"""The schema changes only through migrations: they build exactly what models.py declares."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from minibank import migrate
from minibank.models import metadata


def test_migrations_build_the_declared_schema(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        assert migrate.is_current(engine)
    finally:
        engine.dispose()


def test_every_migration_downgrades_and_upgrades_again(database_url):
    engine = create_engine(database_url)
    try:
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        migrate.upgrade(engine)
        assert migrate.is_current(engine)
    finally:
        engine.dispose()
