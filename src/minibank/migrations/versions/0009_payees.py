"""Payees: the accounts a customer has saved under a name of their choosing.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payees",
        sa.Column("id", ID, nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("name", sa.String(70), nullable=False),
        sa.Column("account_number", sa.String(10), nullable=False),
        sa.Column("name_check", sa.String(12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("name_check IN ('match', 'close_match', 'no_match')", name=op.f("ck_payees_name_check")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_payees_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payees")),
        sa.UniqueConstraint("owner_id", "account_number", name=op.f("uq_payees_owner_id_account_number")),
    )


def downgrade() -> None:
    op.drop_table("payees")
