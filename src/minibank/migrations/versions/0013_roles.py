"""Roles for the back office (customer, teller, supervisor, auditor) and frozen accounts.

Every existing ``admin`` becomes a ``supervisor``: an admin could pay cash in and out, read the
audit trail and disable users, and of the new roles only a supervisor still may do all three.
Mapping them to ``teller`` would take away, on the day of an upgrade, the only way the bank has
to disable a compromised login; an operator narrows each one with ``minibank grant-role``.
Going back down maps every staff role to ``admin`` and every frozen account to open.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _replace_check(table: str, name: str, condition: str) -> None:
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(op.f(name), type_="check")
        batch_op.create_check_constraint(op.f(name), sa.text(condition))


def upgrade() -> None:
    _replace_check("users", "ck_users_role", "role IN ('customer', 'admin', 'teller', 'supervisor', 'auditor')")
    op.execute("UPDATE users SET role = 'supervisor' WHERE role = 'admin'")
    _replace_check("users", "ck_users_role", "role IN ('customer', 'teller', 'supervisor', 'auditor')")
    _replace_check("accounts", "ck_accounts_status", "status IN ('open', 'frozen', 'closed')")


def downgrade() -> None:
    op.execute("UPDATE accounts SET status = 'open' WHERE status = 'frozen'")
    _replace_check("accounts", "ck_accounts_status", "status IN ('open', 'closed')")
    _replace_check("users", "ck_users_role", "role IN ('customer', 'admin', 'teller', 'supervisor', 'auditor')")
    op.execute("UPDATE users SET role = 'admin' WHERE role <> 'customer'")
    _replace_check("users", "ck_users_role", "role IN ('customer', 'admin')")
