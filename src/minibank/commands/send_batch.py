"""`minibank send-batch`: a CSV file of transfers sent to the running bank as one batch."""

import sys

import click

from .. import batch_file


@click.command("send-batch")
@click.argument("csv_file", type=click.File("rb"))
@click.option("--email", required=True, help="The customer sending it; their password is prompted for.")
@click.option(
    "--mode",
    type=click.Choice(["atomic", "independent"]),
    default="atomic",
    show_default=True,
    help="atomic: all move or none does; independent: each on its own.",
)
@click.option(
    "--url",
    "base_url",
    default="http://127.0.0.1:5000",
    show_default=True,
    envvar="MINIBANK_URL",
    help="The running bank (MINIBANK_URL).",
)
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
        answer = batch_file.send(
            base_url.rstrip("/"),
            email=email,
            password=password,
            mode=mode,
            key=key or batch_file.file_key(data, mode),
            transfers=transfers_in,
        )
    except batch_file.BatchFileError as error:
        raise click.ClickException(str(error)) from None
    body = answer.body
    if answer.status != 201 and "items" not in body:
        raise click.ClickException(
            f"the bank refused the batch ({answer.status} {body.get('code')}): {body.get('detail')}"
        )
    for item in body["items"]:
        if item["status"] == "moved":
            transfer = item["transfer"]
            click.echo(
                f"{item['index'] + 1}\tmoved\ttransfer {transfer['id']}\t{transfer['amount']} to {transfer['to_account']}"
            )
        else:
            click.echo(f"{item['index'] + 1}\trefused\t{item['problem']['code']}\t{item['problem']['detail']}")
    if answer.status != 201:
        raise click.ClickException(f"nothing moved: {body['detail']}")
    replayed = " (sent before: this is its stored result)" if answer.replayed else ""
    click.echo(f"batch {body['id']} {body['status']}: {body['moved']} moved, {body['refused']} refused{replayed}")
    if body["refused"]:
        raise click.ClickException(f"{body['refused']} of {len(body['items'])} transfers did not move")
