"""The schema changes only through migrations: they build exactly what models.py declares."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from minibank import migrate
from minibank.db import make_engine
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


def test_partial_unique_indexes_keep_every_row_and_still_refuse_duplicates(database_url):
    engine = make_engine(database_url)
    try:
        migrate.downgrade(engine, "0004")
        with engine.begin() as conn:
            _old_rows(conn)
        migrate.upgrade(engine)
        assert migrate.is_current(engine)
        with engine.begin() as conn:
            tables = ("transfers", "entries", "audit_events")
            assert [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables] == [3, 2, 2]
            if engine.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        for duplicate in (_transfer(3, key="k1"), "UPDATE audit_events SET seq = 1 WHERE id = 2"):
            with pytest.raises(IntegrityError), engine.begin() as conn:
                conn.execute(text(duplicate))
        with engine.begin() as conn:  # keyless transfers never collide
            conn.execute(text(_transfer(4)))
        with pytest.raises(IntegrityError), engine.begin() as conn:  # foreign keys are enforced again
            conn.execute(
                text(
                    "INSERT INTO entries (id, transfer_id, account_id, amount, balance_after, created_at) "
                    "VALUES (9, 999, 1, 5, 5, '2026-01-01 00:00:00')"
                )
            )
    finally:
        engine.dispose()


def test_admins_become_supervisors_and_frozen_accounts_open_on_the_way_down(database_url):
    engine = make_engine(database_url)
    at = "'2026-01-01 00:00:00'"
    try:
        migrate.downgrade(engine, "0010")
        with engine.begin() as conn:
            for user_id, role in ((1, "customer"), (2, "admin")):
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, name, password_hash, role, created_at) "
                        f"VALUES ({user_id}, 'u{user_id}@b.c', 'U', 'x', '{role}', {at})"
                    )
                )
            conn.execute(
                text(
                    "INSERT INTO accounts (id, number, owner_id, name, currency, balance, status, kind, opened_at) "
                    f"VALUES (1, '1000000064', 1, 'A', 'EUR', 0, 'open', 'customer', {at})"
                )
            )
        migrate.upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT role FROM users ORDER BY id")).scalars().all() == [
                "customer",
                "supervisor",
            ]
            conn.execute(text("UPDATE accounts SET status = 'frozen'"))
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE users SET role = 'admin' WHERE id = 2"))
        migrate.downgrade(engine, "0010")
        with engine.begin() as conn:
            assert conn.execute(text("SELECT role FROM users ORDER BY id")).scalars().all() == ["customer", "admin"]
            assert conn.execute(text("SELECT status FROM accounts")).scalar() == "open"
        migrate.upgrade(engine)
        assert migrate.is_current(engine)
    finally:
        engine.dispose()


def _transfer(transfer_id: int, key: str | None = None) -> str:
    key_sql = f"'{key}', 'h'" if key else "NULL, NULL"
    return (
        "INSERT INTO transfers (id, kind, source_id, destination_id, amount, currency, memo, initiator_id, "
        f"idempotency_key, request_hash, created_at) VALUES ({transfer_id}, 'transfer', 1, 2, 5, 'EUR', '', 1, "
        f"{key_sql}, '2026-01-01 00:00:00')"
    )


def _old_rows(conn) -> None:
    at = "'2026-01-01 00:00:00'"
    conn.execute(
        text(f"INSERT INTO users (id, email, name, password_hash, created_at) VALUES (1, 'a@b.c', 'A', 'x', {at})")
    )
    for account in (1, 2):
        conn.execute(
            text(
                "INSERT INTO accounts (id, number, owner_id, name, currency, balance, opened_at) "
                f"VALUES ({account}, '000000000{account}', 1, 'A', 'EUR', 100, {at})"
            )
        )
    for statement in (_transfer(1, key="k1"), _transfer(2), _transfer(3)):
        conn.execute(text(statement))
    conn.execute(
        text(
            "INSERT INTO entries (id, transfer_id, account_id, amount, balance_after, created_at) "
            f"VALUES (1, 1, 1, -5, 95, {at}), (2, 1, 2, 5, 105, {at})"
        )
    )
    conn.execute(
        text(
            "INSERT INTO audit_events (id, created_at, event, outcome, seq, prev_hash, hash) "
            f"VALUES (1, {at}, 'e', 'success', 1, 'p', 'h'), (2, {at}, 'e', 'success', NULL, NULL, NULL)"
        )
    )
