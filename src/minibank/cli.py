"""The `minibank` program: the operator commands on an app built from the settings."""

import click
from flask.cli import FlaskGroup

from .app import create_app


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False, add_version_option=False)
def main():
    """miniBank operator commands."""


if __name__ == "__main__":
    main()
