"""Failed-login counts in the database, so that the lockout works whether Redis is up or not.

One row per budget bucket (security/throttle.py names them; the keys are hashes, never
e-mails or addresses in the clear), with the moment, in epoch seconds of the throttle's
clock, after which it no longer counts.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("count > 0", name=op.f("ck_login_failures_count_positive")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures") as batch_op:
        batch_op.create_index("ix_login_failures_expires_at", ["expires_at"])


def downgrade() -> None:
    op.drop_table("login_failures")
