"""Initial schema: users, accounts, transfers, entries, audit events.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 03:05:12.908539
"""

import sqlalchemy as sa
from alembic import op

# SQLite's 64-bit INTEGER PRIMARY KEY is its rowid; PostgreSQL gets BIGINT.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("object", sa.String(length=80), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("details", sa.String(length=1000), server_default="{}", nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("hash", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_events_seq")),
    )
    op.create_table(
        "users",
        sa.Column("id", ID, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), server_default="customer", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("token_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('customer', 'admin')", name=op.f("ck_users_role")),
        sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f("ck_users_status")),
        sa.CheckConstraint("email = lower(email)", name=op.f("ck_users_email_lower")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index("uq_users_email", ["email"], unique=True)

    op.create_table(
        "accounts",
        sa.Column("id", ID, nullable=False),
        sa.Column("number", sa.String(length=10), nullable=False),
        sa.Column("owner_id", ID, nullable=True),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("balance", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=8), server_default="open", nullable=False),
        sa.Column("kind", sa.String(length=8), server_default="customer", nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'system' AND owner_id IS NULL) OR (kind = 'customer' AND owner_id IS NOT NULL)",
            name=op.f("ck_accounts_owner_matches_kind"),
        ),
        sa.CheckConstraint("kind = 'system' OR balance >= 0", name=op.f("ck_accounts_no_overdraft")),
        sa.CheckConstraint("kind IN ('customer', 'system')", name=op.f("ck_accounts_kind")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_accounts_status")),
        sa.CheckConstraint("length(number) = 10", name=op.f("ck_accounts_number_length")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_accounts_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("number", name=op.f("uq_accounts_number")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("ix_accounts_owner_id", ["owner_id"], unique=False)
        batch_op.create_index(
            "uq_accounts_system_currency",
            ["currency"],
            unique=True,
            sqlite_where=sa.text("kind = 'system'"),
            postgresql_where=sa.text("kind = 'system'"),
        )

    op.create_table(
        "transfers",
        sa.Column("id", ID, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("source_id", ID, nullable=False),
        sa.Column("destination_id", ID, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("memo", sa.String(length=140), server_default="", nullable=False),
        sa.Column("initiator_id", ID, nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('transfer', 'deposit', 'withdrawal')", name=op.f("ck_transfers_kind")),
        sa.CheckConstraint(
            "(idempotency_key IS NULL) = (request_hash IS NULL)", name=op.f("ck_transfers_key_has_hash")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_transfers_amount_positive")),
        sa.CheckConstraint("source_id <> destination_id", name=op.f("ck_transfers_distinct_accounts")),
        sa.ForeignKeyConstraint(["destination_id"], ["accounts.id"], name=op.f("fk_transfers_destination_id_accounts")),
        sa.ForeignKeyConstraint(["initiator_id"], ["users.id"], name=op.f("fk_transfers_initiator_id_users")),
        sa.ForeignKeyConstraint(["source_id"], ["accounts.id"], name=op.f("fk_transfers_source_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfers")),
        sa.UniqueConstraint("initiator_id", "idempotency_key", name="uq_transfers_idempotency"),
    )
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.create_index("ix_transfers_initiator_created", ["initiator_id", "created_at"], unique=False)

    op.create_table(
        "entries",
        sa.Column("id", ID, nullable=False),
        sa.Column("transfer_id", ID, nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_entries_amount_nonzero")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_entries_account_id_accounts")),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfers.id"], name=op.f("fk_entries_transfer_id_transfers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
        sa.UniqueConstraint("transfer_id", "account_id", name="uq_entries_transfer_account"),
    )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index("ix_entries_account_id_id", ["account_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index("ix_entries_account_id_id")

    op.drop_table("entries")
    with op.batch_alter_table("transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_transfers_initiator_created")

    op.drop_table("transfers")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_accounts_system_currency",
            sqlite_where=sa.text("kind = 'system'"),
            postgresql_where=sa.text("kind = 'system'"),
        )
        batch_op.drop_index("ix_accounts_owner_id")

    op.drop_table("accounts")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("uq_users_email")

    op.drop_table("users")
    op.drop_table("audit_events")
