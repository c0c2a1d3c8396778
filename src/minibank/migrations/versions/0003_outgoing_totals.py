"""Hourly outgoing totals per customer, so the rolling 24-hour limit reads at most 25 rows.

Summing a customer's transfers of the last day grew with every transfer they made;
these buckets are written in each transfer's own transaction instead.

Revision ID: 0003
Revises: a001
"""

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0003"
down_revision = "a001"
branch_labels = None
depends_on = None

_HOUR = {
    "postgresql": "date_trunc('hour', created_at)",
    # The text form SQLAlchemy stores on SQLite, truncated to the hour.
    "sqlite": "strftime('%Y-%m-%d %H:00:00.000000', created_at)",
}


def upgrade() -> None:
    op.create_table(
        "outgoing_totals",
        sa.Column("user_id", ID, nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("total > 0", name=op.f("ck_outgoing_totals_total_positive")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_outgoing_totals_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", "hour", name=op.f("pk_outgoing_totals")),
    )
    # The limit no longer sums transfers; this index only cost every insert.
    with op.batch_alter_table("transfers") as batch_op:
        batch_op.drop_index("ix_transfers_initiator_created")
    hour = _HOUR[op.get_bind().dialect.name]
    op.execute(
        f"INSERT INTO outgoing_totals (user_id, hour, total) SELECT initiator_id, {hour}, SUM(amount) "
        f"FROM transfers WHERE kind = 'transfer' AND initiator_id IS NOT NULL GROUP BY initiator_id, {hour}"
    )


def downgrade() -> None:
    op.drop_table("outgoing_totals")
    with op.batch_alter_table("transfers") as batch_op:
        batch_op.create_index("ix_transfers_initiator_created", ["initiator_id", "created_at"])
