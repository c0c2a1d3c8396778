"""Operator commands (`minibank <command>`, or `flask --app minibank <command>`), registered on the app's CLI."""

from .backup import backup_command
from .cash import deposit_command, withdraw_command
from .checks import stats_command, verify_audit_command, verify_ledger_command
from .database import db_group
from .demo import demo_command
from .mail import mail_group
from .send_batch import send_batch_command
from .serve import serve_command
from .users import (
    create_user_command,
    grant_admin_command,
    grant_role_command,
    open_account_command,
    reset_two_factor_command,
)

COMMANDS = [
    db_group,
    create_user_command,
    grant_role_command,
    grant_admin_command,
    open_account_command,
    reset_two_factor_command,
    deposit_command,
    withdraw_command,
    demo_command,
    verify_ledger_command,
    verify_audit_command,
    stats_command,
    backup_command,
    send_batch_command,
    mail_group,
    serve_command,
]


def init_app(app) -> None:
    """Register the operator commands on the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)
