"""Prove the ledger: conservation, balances equal to their entries, no overdraft."""

from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from ..db import Database
from ..store.deadlines import lift_statement_deadline
from ..store.ledger_checks import outgoing_totals_check

# Each check is one query returning the offending rows; an empty result is a pass.
_CHECKS = {
    "currency totals are not zero": text(
        "SELECT currency, SUM(balance) AS total FROM accounts GROUP BY currency HAVING SUM(balance) <> 0"
    ),
    "balance differs from the sum of its entries": text(
        "SELECT a.number, a.balance, COALESCE(SUM(e.amount), 0) AS entries FROM accounts a "
        "LEFT JOIN entries e ON e.account_id = a.id GROUP BY a.id, a.number, a.balance "
        "HAVING a.balance <> COALESCE(SUM(e.amount), 0)"
    ),
    "transfer does not have exactly two entries summing to zero": text(
        "SELECT t.id, COUNT(e.id) AS entries, COALESCE(SUM(e.amount), 0) AS total FROM transfers t "
        "LEFT JOIN entries e ON e.transfer_id = t.id GROUP BY t.id "
        "HAVING COUNT(e.id) <> 2 OR COALESCE(SUM(e.amount), 0) <> 0"
    ),
    "entry does not match its transfer's accounts and amount": text(
        "SELECT e.id, e.transfer_id FROM entries e JOIN transfers t ON t.id = e.transfer_id "
        "WHERE NOT ((e.account_id = t.source_id AND e.amount = -t.amount) "
        "OR (e.account_id = t.destination_id AND e.amount = t.amount))"
    ),
    "entry's balance_after differs from the running sum": text(
        "SELECT id, account_id, balance_after, running FROM ("
        "SELECT id, account_id, balance_after, "
        "SUM(amount) OVER (PARTITION BY account_id ORDER BY id) AS running FROM entries) r "
        "WHERE balance_after <> running"
    ),
    "customer account is overdrawn": text(
        "SELECT number, balance FROM accounts WHERE kind = 'customer' AND balance < 0"
    ),
    "transfer moved money between currencies": text(
        "SELECT t.id FROM transfers t JOIN accounts s ON s.id = t.source_id "
        "JOIN accounts d ON d.id = t.destination_id "
        "WHERE s.currency <> t.currency OR d.currency <> t.currency"
    ),
}
_SUMMARY = text(
    "SELECT (SELECT COUNT(*) FROM accounts) AS accounts, (SELECT COUNT(*) FROM transfers) AS transfers, "
    "(SELECT COUNT(*) FROM entries) AS entries"
)
MAX_SHOWN = 20


@dataclass
class LedgerReport:
    """What verify-ledger found: counts, and every broken invariant with examples."""

    accounts: int = 0
    transfers: int = 0
    entries: int = 0
    problems: dict[str, list[tuple]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every invariant holds."""
        return not self.problems


def verify(db: Database) -> LedgerReport:
    """Check every ledger invariant in one consistent snapshot."""

    def work(conn: Connection) -> LedgerReport:
        lift_statement_deadline(conn)  # every row is read: as long as that takes
        summary = conn.execute(_SUMMARY).one()
        report = LedgerReport(summary.accounts, summary.transfers, summary.entries)
        checks = {**_CHECKS, "hourly outgoing totals disagree with the transfers": outgoing_totals_check(conn)}
        for name, query in checks.items():
            rows = [tuple(row) for row in conn.execute(query).fetchmany(MAX_SHOWN)]
            if rows:
                report.problems[name] = rows
        return report

    return db.read(work, snapshot=True)
