"""`minibank demo`: demo customers and staff (a teller, a supervisor, an auditor) in an empty database."""

import click
from flask import current_app

from ..domain.money import format_money
from ..extensions import db
from ..services.demo import demo_logins, load_demo
from .running import operator_command

STAFF_DUTIES = {
    "teller": "teller: finds customers, pays cash in and out (/admin)",
    "supervisor": "supervisor: also freezes, closes, disables (/admin)",
    "auditor": "auditor: reads the back office, changes nothing (/admin)",
}


@click.command("demo")
@operator_command()
def demo_command():
    """Load demo customers and accounts into an empty database."""
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("refusing to load demo data in production")
    credentials = load_demo(db, currency=current_app.config["CURRENCY"])
    logins = demo_logins(db)
    if credentials is None:
        click.echo("the database already has users; demo data not loaded")
        if not logins:
            return
        click.echo("demo users in it, with the passwords they were loaded with:")
    else:
        click.echo("demo data loaded; log in with:")
    for login in logins:
        role = STAFF_DUTIES.get(login.role, login.role)
        click.echo(f"  {login.email:<22} password: {login.password:<26} {role}")
        for name, number, balance, currency in login.accounts:
            click.echo(f"      {name:<10} {number}  {format_money(balance, currency):>14}")
