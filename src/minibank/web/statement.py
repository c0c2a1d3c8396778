"""Statements as CSV that a spreadsheet opens as data, never as formulas."""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, tzinfo

from ..domain.money import format_amount
from ..services.accounts import Account
from ..services.history import HistoryItem

CASH = "cash"
COLUMNS = ["date", "transfer_id", "counterparty", "counterparty_name", "memo", "amount", "currency", "balance_after"]
_LINES_PER_PIECE = 500


# Where a spreadsheet may start a cell: the text's start, and after a `,` or a `;`. The file
# separates with `,`, but a spreadsheet set for `;` (most of Europe) splits a memo `x;=1+1`
# into cells of its own; spaces before the formula are skipped by some of them.
_CELL_START = re.compile(r"(^|[,;\r\n])(?=[ ]*[=+\-@\t\r])")


def safe_cell(text: str) -> str:
    """Text a spreadsheet shows as text, split at `,` or `;`: every formula start is escaped with a quote."""
    return _CELL_START.sub(r"\1'", text)


def counterparty(item: HistoryItem) -> str:
    """The other account's number, or "cash" for the bank's own side (a teller deposit or withdrawal)."""
    return item.counterparty if item.counterparty is not None else CASH


def statement_csv(account: Account, items: Iterable[HistoryItem], zone: tzinfo) -> Iterator[str]:
    """The statement as CSV text in pieces, movements in the order given (oldest first), times in ``zone``.

    Amounts are plain signed decimals. Pieces of a few hundred lines: a response streams
    without a write per line.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for count, item in enumerate(items, start=1):
        writer.writerow(
            [
                item.created_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
                item.transfer_id,
                safe_cell(counterparty(item)),
                safe_cell(item.counterparty_name or ""),
                safe_cell(item.memo),
                format_amount(item.amount),
                safe_cell(account.currency),
                format_amount(item.balance_after),
            ]
        )
        if count % _LINES_PER_PIECE == 0:
            yield _take(out)
    yield _take(out)


def _take(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def statement_filename(account: Account, start: date | None, end: date | None) -> str:
    """e.g. statement-1234567890-2025-01-01-to-2025-01-31.csv (digits and dashes only)."""
    first = start.isoformat() if start else "start"
    last = end.isoformat() if end else "today"
    return f"statement-{account.number}-{first}-to-{last}.csv"
