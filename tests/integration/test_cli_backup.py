"""`minibank backup`: a verified copy of a SQLite bank with its audit head; one-line refusals otherwise."""

import re

from minibank.db import Database
from minibank.services import ledger_check


def test_backup_copies_a_sqlite_bank_and_prints_its_head(runner, db, factory, tmp_path):
    if db.dialect != "sqlite":
        result = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
        assert result.exit_code == 1 and "pg_basebackup" in result.output
        return
    factory.account(balance=5_000)
    result = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 0, result.output
    assert re.search(r"audit head [1-9][0-9]*:[0-9a-f]{64}", result.output)  # sealed first: not the genesis head
    copy = Database(f"sqlite:///{tmp_path / 'copy.db'}")
    assert ledger_check.verify(copy).transfers == 1
    copy.dispose()
    again = runner.invoke(args=["backup", str(tmp_path / "copy.db")])
    assert again.exit_code == 1 and "exists already" in again.output
    nowhere = runner.invoke(args=["backup", str(tmp_path / "no" / "such" / "copy.db")])
    assert nowhere.exit_code == 1 and "is not a folder" in nowhere.output
