"""A teller's cash at the counter: `deposit` and `withdraw`."""

import click

from ..domain.errors import BankError
from ..domain.money import format_money, parse_amount
from ..extensions import db
from ..services import accounts, transfers
from .running import operator_command


def _amount(text: str) -> int:
    try:
        return parse_amount(text)
    except BankError as refusal:
        raise click.BadParameter(refusal.detail) from None


def _teller_command(name, service, verb, help_text):
    @click.command(name)
    @click.argument("account")
    @click.argument("amount", type=_amount)
    @click.option("--memo", default="", help="A note shown in the account's history.")
    @operator_command()
    def command(account, amount, memo):
        result = service(db, account=account, amount=amount, memo=memo)
        balance = accounts.get_by_number(db, number=account, owner_id=None).balance
        click.echo(
            f"{verb} {format_money(amount, result.transfer.currency)}; transfer {result.transfer.id}; "
            f"balance {format_money(balance, result.transfer.currency)}"
        )

    command.help = help_text
    return command


deposit_command = _teller_command(
    "deposit",
    transfers.deposit,
    "deposited",
    "Pay cash into ACCOUNT: AMOUNT such as 12.34 from the bank's cash account.",
)
withdraw_command = _teller_command(
    "withdraw",
    transfers.withdraw,
    "withdrew",
    "Pay cash out of ACCOUNT: AMOUNT such as 12.34 to the bank's cash account.",
)
