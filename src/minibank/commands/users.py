"""Users and their accounts: `create-user`, `grant-role` (and its old name `grant-admin`), `open-account`, `reset-two-factor`."""

import sys

import click
from flask import current_app

from ..extensions import db, mail_links
from ..security.permissions import ROLES, SUPERVISOR, TELLER
from ..services import accounts, two_factor_changes, users
from .running import operator_command


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The user's display name.")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default=None,
    help="The user's role (default customer); see docs/back-office.md for what each may do.",
)
@click.option("--teller", is_flag=True, help="Make the user a teller: finds customers, pays cash in and out.")
@click.option(
    "--admin", is_flag=True, help="The old name for staff who run the back office: makes the user a supervisor."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@operator_command()
def create_user_command(email, name, role, teller, admin, password_stdin):
    """Create a customer, or staff with --role (or --teller); the password is prompted for (never an argument)."""
    chosen = [r for r, on in ((role, role is not None), (TELLER, teller), (SUPERVISOR, admin)) if on]
    if len(chosen) > 1:
        raise click.UsageError("give only one of --role, --teller and --admin")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = users.create_user(db, email=email, name=name, password=password, role=chosen[0] if chosen else "customer")
    click.echo(f"created user {user.id} <{user.email}> role={user.role}")


@click.command("grant-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
@operator_command()
def grant_role_command(email, role):
    """Give an existing user a role: customer, teller, supervisor or auditor (audited)."""
    user = users.set_role(db, email=email, role=role)
    click.echo(f"{user.email} is now {user.role}")


@click.command("grant-admin")
@click.argument("email")
@operator_command()
def grant_admin_command(email):
    """The old name of `grant-role EMAIL supervisor`: the role that may do everything an admin did."""
    user = users.set_role(db, email=email, role=SUPERVISOR)
    click.echo(f"{user.email} is now {user.role} (the admin role is now called supervisor; see grant-role)")


@click.command("open-account")
@click.argument("email")
@click.option("--name", default="Checking", show_default=True, help="The account's name.")
@click.option("--currency", default=None, help="ISO 4217 code; defaults to MINIBANK_CURRENCY.")
@operator_command()
def open_account_command(email, name, currency):
    """Open an account for a user and print its number."""
    user = users.get_by_email(db, email=email)
    currency = (currency or current_app.config["CURRENCY"]).upper()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise click.BadParameter("must be a three-letter code such as USD", param_hint="--currency")
    account = accounts.open_account(db, owner_id=user.id, name=name, currency=currency)
    click.echo(account.number)


@click.command("reset-two-factor")
@click.argument("email")
@operator_command()
def reset_two_factor_command(email):
    """Turn two-factor authentication off for a user who lost the phone and the recovery codes (check who asks first)."""
    user = users.get_by_email(db, email=email)
    if two_factor_changes.reset_by_operator(db, user=user, links=mail_links()):
        click.echo(f"two-factor authentication is off for {user.email}; they log in with the password alone")
    else:
        click.echo(f"{user.email} had no two-factor authentication; nothing changed")
