"""Sessions: one row per login (web or API), so that a customer can see and end them.

A new table only: nothing is rebuilt, and an older release ignores it. Tokens issued before
carry no session id and keep working until they expire (a web one is given a session at
its next renewal).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", ID, nullable=False),
        sa.Column("public_id", sa.String(32), nullable=False),
        sa.Column("user_id", ID, nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("device", sa.String(100), nullable=False),
        sa.Column("client_ip", sa.String(45), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('web', 'api')", name=op.f("ck_sessions_kind")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("public_id", name=op.f("uq_sessions_public_id")),
    )
    with op.batch_alter_table("sessions") as batch_op:
        batch_op.create_index("ix_sessions_user_id_device", ["user_id", "device"])


def downgrade() -> None:
    op.drop_table("sessions")
