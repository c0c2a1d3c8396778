"""Audit chain: a partial index on the events the sealer has not chained yet.

Revision ID: a001
Revises: 0002
Create Date: 2026-11-28 04:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "a001"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_unsealed",
            ["id"],
            unique=False,
            sqlite_where=sa.text("seq IS NULL"),
            postgresql_where=sa.text("seq IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_unsealed")
