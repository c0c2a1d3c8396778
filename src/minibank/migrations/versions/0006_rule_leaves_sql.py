"""The rule leaves SQL: minibank_quick_move (0004) is dropped.

The ledger engine (store/ledger.py) now lets the Python rule decide every movement, in
batches, on both engines; the database keeps only the invariants, as constraints. SQLite's
copy of the rule was a temporary view and trigger made per connection, so it has nothing
to drop. Downgrading makes the function again, for an older bank that still calls it.

Revision ID: 0006
Revises: 0005
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS minibank_quick_move")


def downgrade() -> None:
    _migration_0004().upgrade()


def _migration_0004():
    """Migration 0004's module, whose upgrade makes the function (revision files are not a package)."""
    path = Path(__file__).with_name("0004_quick_move.py")
    spec = importlib.util.spec_from_file_location("minibank_migration_0004", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load migration 0004 from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
