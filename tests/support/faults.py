"""Injected failures: the database itself refuses an insert partway through a transaction."""

from contextlib import contextmanager

from sqlalchemy import text


def _statements(dialect: str, table: str) -> tuple[list[str], list[str]]:
    if dialect == "sqlite":
        return (
            [
                f"CREATE TRIGGER inject_{table} BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'injected crash'); END"
            ],
            [f"DROP TRIGGER inject_{table}"],
        )
    return (
        [
            "CREATE OR REPLACE FUNCTION inject() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'injected crash'; END $$",
            f"CREATE TRIGGER inject_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION inject()",
        ],
        [f"DROP TRIGGER inject_{table} ON {table}", "DROP FUNCTION inject"],
    )


@contextmanager
def failing_inserts(db, table: str):
    """While open, every INSERT into ``table`` fails with "injected crash"."""
    create, drop = _statements(db.dialect, table)
    db.write(lambda conn: [conn.execute(text(sql)) for sql in create])
    try:
        yield
    finally:
        db.write(lambda conn: [conn.execute(text(sql)) for sql in drop])
