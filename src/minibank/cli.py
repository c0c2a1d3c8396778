"""Operator commands: `minibank <command>` (or `flask --app minibank <command>`)."""

import functools
import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy.exc import OperationalError

from . import config as settings
from . import batch_file, create_app, migrate
from .domain.errors import BankError
from .domain.money import format_money, parse_amount
from .extensions import db
from .services import accounts, audit_chain, ledger_check, stats, transfers, users
from .services.demo import demo_logins, load_demo
from .store import audit_seal


def refusals_exit_nonzero(command):
    """Run a command on a current schema; a refusal or an unreachable database is one line and exit 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            if not migrate.is_current(db.engine):
                raise click.ClickException("the database is not at the newest revision; run `minibank db upgrade`")
            return command(*args, **kwargs)
        except BankError as refusal:
            raise click.ClickException(refusal.detail) from None
        except OperationalError as error:
            raise click.ClickException(f"cannot use the database: {str(error.orig).splitlines()[0]}") from None

    return wrapper


def _amount(text: str) -> int:
    try:
        return parse_amount(text)
    except BankError as refusal:
        raise click.BadParameter(refusal.detail) from None


@click.group("db")
def db_group():
    """Database schema commands."""


@db_group.command("upgrade")
@with_appcontext
def db_upgrade():
    """Create the database or migrate it to the newest revision."""
    migrate.upgrade(db.engine)
    click.echo(f"database at revision {migrate.current_revision(db.engine)}")


@db_group.command("current")
@with_appcontext
def db_current():
    """Print the database's revision and whether it is the newest."""
    current = migrate.current_revision(db.engine)
    state = "head" if migrate.is_current(db.engine) else "behind; run `minibank db upgrade`"
    click.echo(f"{current or 'empty'} ({state})")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="The user's display name.")
@click.option("--admin", is_flag=True, help="Give the user the admin (teller) role.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
@refusals_exit_nonzero
def create_user_command(email, name, admin, password_stdin):
    """Create a user; the password is prompted for (never an argument)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = users.create_user(db, email=email, name=name, password=password, role="admin" if admin else "customer")
    click.echo(f"created user {user.id} <{user.email}> role={user.role}")


@click.command("grant-admin")
@click.argument("email")
@with_appcontext
@refusals_exit_nonzero
def grant_admin_command(email):
    """Give an existing user the admin (teller) role."""
    user = users.set_role(db, email=email, role="admin")
    click.echo(f"{user.email} is now {user.role}")


@click.command("open-account")
@click.argument("email")
@click.option("--name", default="Checking", show_default=True, help="The account's name.")
@click.option("--currency", default=None, help="ISO 4217 code; defaults to MINIBANK_CURRENCY.")
@with_appcontext
@refusals_exit_nonzero
def open_account_command(email, name, currency):
    """Open an account for a user and print its number."""
    user = users.get_by_email(db, email=email)
    currency = (currency or current_app.config["CURRENCY"]).upper()
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise click.BadParameter("must be a three-letter code such as USD", param_hint="--currency")
    account = accounts.open_account(db, owner_id=user.id, name=name, currency=currency)
    click.echo(account.number)


def _teller_command(name, service, verb, help_text):
    @click.command(name)
    @click.argument("account")
    @click.argument("amount", type=_amount)
    @click.option("--memo", default="", help="A note shown in the account's history.")
    @with_appcontext
    @refusals_exit_nonzero
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
    "deposit", transfers.deposit, "deposited", "Pay cash into ACCOUNT: AMOUNT such as 12.34 from the bank's cash account."
)
withdraw_command = _teller_command(
    "withdraw", transfers.withdraw, "withdrew", "Pay cash out of ACCOUNT: AMOUNT such as 12.34 to the bank's cash account."
)


@click.command("demo")
@with_appcontext
@refusals_exit_nonzero
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


@click.command("verify-ledger")
@with_appcontext
@refusals_exit_nonzero
def verify_ledger_command():
    """Check every ledger invariant; exit 1 on any mismatch."""
    report = ledger_check.verify(db)
    click.echo(f"accounts {report.accounts}, transfers {report.transfers}, entries {report.entries}")
    for problem, rows in report.problems.items():
        click.echo(f"FAIL {problem}: {len(rows)} shown, e.g. {rows[:3]}")
    if not report.ok:
        raise SystemExit(1)
    click.echo("ledger OK: totals zero per currency, balances equal their entries, no overdraft")


def _anchor(text: str) -> tuple[int, str]:
    seq, sep, digest = text.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        raise click.BadParameter("must look like SEQ:HASH, as printed by an earlier verify-audit")
    return int(seq), digest


@click.command("verify-audit")
@click.option("--no-seal", is_flag=True, help="Only check; do not chain new events first.")
@click.option("--anchor", "anchors", multiple=True, type=_anchor, metavar="SEQ:HASH",
              help="A head printed earlier and kept outside the database; catches a cut or rewritten chain.")
@with_appcontext
@refusals_exit_nonzero
def verify_audit_command(no_seal, anchors):
    """Seal new audit events, then check the whole hash chain; exit 1 naming the first bad event."""
    if not no_seal:
        click.echo(f"sealed {audit_seal.seal(db)} new events")
    report = audit_chain.verify(db, anchors=dict(anchors))
    click.echo(f"events: {report.sealed} chained, {report.unsealed} not yet sealed")
    if not report.ok:
        problem = report.problem
        click.echo(f"FAIL at event id {problem.id} seq {problem.seq}: {problem.reason}")
        raise SystemExit(1)
    click.echo(f"audit chain OK; head {report.head_seq}:{report.head_hash} (keep it to pass as --anchor later)")


@click.command("stats")
@with_appcontext
@refusals_exit_nonzero
def stats_command():
    """Print users, accounts, transfers and customer money per currency."""
    summary = stats.summary(db)
    click.echo(f"users {summary.users}")
    click.echo(f"customer accounts {summary.accounts}")
    kinds = ", ".join(f"{kind} {count}" for kind, count in summary.transfers.items()) or "none"
    click.echo(f"transfers {sum(summary.transfers.values())} ({kinds})")
    money = ", ".join(format_money(total, currency) for currency, total in summary.money.items())
    click.echo(f"customer money {money or 'none'}")


@click.command("send-batch")
@click.argument("csv_file", type=click.File("rb"))
@click.option("--email", required=True, help="The customer sending it; their password is prompted for.")
@click.option("--mode", type=click.Choice(["atomic", "independent"]), default="atomic", show_default=True,
              help="atomic: all move or none does; independent: each on its own.")
@click.option("--url", "base_url", default="http://127.0.0.1:5000", show_default=True, envvar="MINIBANK_URL",
              help="The running bank (MINIBANK_URL).")
@click.option("--key", default=None, help="Idempotency key; default: one made from the file, so a file is sent once.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def send_batch_command(csv_file, email, mode, base_url, key, password_stdin):
    """Send a CSV file (from_account,to_account,amount[,memo]) to the bank as one batch of transfers.

    Prints each transfer's result; exits 1 unless every transfer moved.
    """
    data = csv_file.read()
    try:
        transfers_in = batch_file.read_transfers(data)
        password = sys.stdin.readline().rstrip("\r\n") if password_stdin else click.prompt("Password", hide_input=True)
        answer = batch_file.send(base_url.rstrip("/"), email=email, password=password, mode=mode,
                                 key=key or batch_file.file_key(data, mode), transfers=transfers_in)
    except batch_file.BatchFileError as error:
        raise click.ClickException(str(error)) from None
    body = answer.body
    if answer.status != 201 and "items" not in body:
        raise click.ClickException(f"the bank refused the batch ({answer.status} {body.get('code')}): {body.get('detail')}")
    for item in body["items"]:
        if item["status"] == "moved":
            transfer = item["transfer"]
            click.echo(f"{item['index'] + 1}\tmoved\ttransfer {transfer['id']}\t{transfer['amount']} to {transfer['to_account']}")
        else:
            click.echo(f"{item['index'] + 1}\trefused\t{item['problem']['code']}\t{item['problem']['detail']}")
    if answer.status != 201:
        raise click.ClickException(f"nothing moved: {body['detail']}")
    replayed = " (sent before: this is its stored result)" if answer.replayed else ""
    click.echo(f"batch {body['id']} {body['status']}: {body['moved']} moved, {body['refused']} refused{replayed}")
    if body["refused"]:
        raise click.ClickException(f"{body['refused']} of {len(body['items'])} transfers did not move")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=None, type=click.IntRange(1, settings.MAX_WORKERS),
              help="gunicorn worker processes (production); default MINIBANK_WORKERS, else 2 per core + 1.")
@click.option("--threads", default=None, type=click.IntRange(1, settings.MAX_THREADS),
              help="Database work each worker does at once, its pool's request connections (production; "
                   "requests are greenlets); default MINIBANK_THREADS, else 1.")
def serve_command(host, port, workers, threads):
    """Serve the bank: gunicorn in production, Flask's server in development."""
    from .ops.serve import serve

    app = current_app._get_current_object()
    if workers:
        app.config["WORKERS"] = workers
    try:
        settings.check_shared_limits(app.config)  # --workers may ask for more processes than the settings did
    except settings.ConfigError as error:
        raise click.ClickException(str(error)) from None
    if threads and threads != app.config["THREADS"]:
        # The app (and its pool) was built before the options were read: resize the pool
        # to the new thread count unless MINIBANK_DB_POOL_SIZE fixes it.
        pool = settings.pool_size(dict(os.environ), threads=threads, production=app.config["PRODUCTION"],
                                  sealer=app.config["AUDIT_SEALER"])
        app.config.update(THREADS=threads, DB_POOL_SIZE=pool)
        db.dispose()
        db.init_app(app)
    serve(app, host=host, port=port)


COMMANDS = [
    db_group,
    create_user_command,
    grant_admin_command,
    open_account_command,
    deposit_command,
    withdraw_command,
    demo_command,
    verify_ledger_command,
    verify_audit_command,
    stats_command,
    send_batch_command,
    serve_command,
]


def init_app(app) -> None:
    """Register the operator commands on the app's CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)


@click.group(cls=FlaskGroup, create_app=create_app, add_default_commands=False, add_version_option=False)
def main():
    """miniBank operator commands."""


if __name__ == "__main__":
    main()
