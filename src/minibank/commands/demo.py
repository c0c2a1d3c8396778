"""`minibank demo`: demo customers and a teller in an empty database."""

import click
from flask import current_app

from ..extensions import db
from ..services.demo import load_demo
from .running import operator_command


@click.command("demo")
@operator_command()
def demo_command():
    """Load demo customers and accounts into an empty database."""
    if current_app.config["PRODUCTION"]:
        raise click.ClickException("refusing to load demo data in production")
    credentials = load_demo(db, currency=current_app.config["CURRENCY"])
    if credentials is None:
        click.echo("the database already has users; demo data not loaded")
        return
    click.echo("demo data loaded; log in with:")
    for email, password in credentials.items():
        click.echo(f"  {email}  password: {password}")
