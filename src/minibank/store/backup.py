"""An online, consistent copy of a SQLite bank, taken while it serves."""

import sqlite3
from pathlib import Path


def copy_sqlite(source_path: str, destination: Path) -> None:
    """Copy the database at ``source_path`` to ``destination`` with SQLite's online backup API.

    One step, under one read transaction: in WAL mode writers go on meanwhile, and the copy
    is the database as one moment left it, every committed transfer in it or none of it.
    """
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")  # as the bank runs it, once restored
    finally:
        target.close()
        source.close()
