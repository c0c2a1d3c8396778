"""`minibank demo`: demo customers and a teller in an empty database."""

import click
from flask import current_app

from ..domain.money import format_money
from ..extensions import db
from ..services.demo import demo_logins, load_demo
from .running import operator_command


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
        role = "teller: pays cash in and out" if login.role == "admin" else login.role
        click.echo(f"  {login.email:<20} password: {login.password:<22} {role}")
        for name, number, balance, currency in login.accounts:
            click.echo(f"      {name:<10} {number}  {format_money(balance, currency):>14}")
