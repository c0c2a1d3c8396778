"""Transfer batches: one row per batch a customer sent, its idempotency key and its results.

The row is written in the same transaction as the batch's transfers, so a batch is either
there with every result it answered, or not there at all. A batch that moved nothing has
no row: like a refused single transfer, it may be sent again under the same key.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer_batches",
        sa.Column("id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("mode", sa.String(12), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("accepted_count", sa.Integer(), nullable=False),
        sa.Column("results", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mode IN ('atomic', 'independent')", name=op.f("ck_transfer_batches_mode")),
        sa.CheckConstraint("status IN ('applied', 'partial')", name=op.f("ck_transfer_batches_status")),
        sa.CheckConstraint("accepted_count BETWEEN 1 AND item_count", name=op.f("ck_transfer_batches_counts")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_transfer_batches_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_batches")),
        sa.UniqueConstraint("owner_id", "idempotency_key", name=op.f("uq_transfer_batches_owner_id_idempotency_key")),
    )


def downgrade() -> None:
    op.drop_table("transfer_batches")
