"""The operator's checks: `verify-ledger`, `verify-audit` and `stats`."""

import click

from ..domain.money import format_money
from ..extensions import db
from ..services import audit_chain, ledger_check, stats
from ..store import audit_seal
from .running import operator_command


@click.command("verify-ledger")
@operator_command()
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
@click.option(
    "--anchor",
    "anchors",
    multiple=True,
    type=_anchor,
    metavar="SEQ:HASH",
    help="A head printed earlier and kept outside the database; catches a cut or rewritten chain.",
)
@operator_command()
def verify_audit_command(no_seal, anchors):
    """Seal new audit events, then check the whole hash chain; exit 1 naming the first bad event."""
    if not no_seal:
        click.echo(f"sealed {audit_seal.seal(db)} new events")
    report = audit_chain.verify(db, anchors=dict(anchors))
    click.echo(f"events: {report.sealed} chained, {report.unsealed} not yet sealed")
    problem = report.problem
    if problem is not None:
        click.echo(f"FAIL at event id {problem.id} seq {problem.seq}: {problem.reason}")
        raise SystemExit(1)
    click.echo(f"audit chain OK; head {report.head_seq}:{report.head_hash} (keep it to pass as --anchor later)")


@click.command("stats")
@operator_command()
def stats_command():
    """Print users, accounts, transfers and customer money per currency."""
    summary = stats.summary(db)
    click.echo(f"users {summary.users}")
    click.echo(f"customer accounts {summary.accounts}")
    kinds = ", ".join(f"{kind} {count}" for kind, count in summary.transfers.items()) or "none"
    click.echo(f"transfers {sum(summary.transfers.values())} ({kinds})")
    money = ", ".join(format_money(total, currency) for currency, total in summary.money.items())
    click.echo(f"customer money {money or 'none'}")
