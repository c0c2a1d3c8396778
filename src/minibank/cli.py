"""The `minibank` program: the operator commands on an app built from the settings."""

import click
from flask.cli import FlaskGroup

from .app import create_app
from .commands import COMMANDS
from .config import ConfigError

_BY_NAME = {command.name: command for command in COMMANDS}


class BankGroup(FlaskGroup):
    """Flask's command group, with the bank's commands known before the app is built.

    FlaskGroup builds the app to find its commands, outside any command's error handling:
    a bad setting was a traceback, even for --help. Each command builds it itself instead.
    """

    def list_commands(self, ctx):
        """The bank's commands, without building the app."""
        return sorted(_BY_NAME)

    def get_command(self, ctx, name):
        """A bank command by name; others (an extension's) from the app, as Flask finds them."""
        if name in _BY_NAME:
            return _BY_NAME[name]
        try:
            return super().get_command(ctx, name)
        except ConfigError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=BankGroup, create_app=create_app, add_default_commands=False, add_version_option=False)
def main():
    """miniBank operator commands."""


if __name__ == "__main__":
    main()
