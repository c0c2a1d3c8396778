"""An account's history: its entries newest first, in keyset pages that stay stable as money moves."""

import base64
import binascii
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, text

from ..db import Database
from ..domain.errors import InvalidCursor, InvalidInput
from ..models import UTCDateTime
from .accounts import Account, get_by_number

MAX_PAGE = 100
DEFAULT_PAGE = 20


# Entries of one account commit in id order (each holds the account's lock), so
# "id below (or above) the last one seen" never skips or repeats a row between pages.
def _entries_query(where_and_order: str):
    return (
        text(
            "SELECT e.id, e.transfer_id, e.amount, e.balance_after, e.created_at, t.memo, t.kind, "
            "CASE WHEN c.kind = 'customer' THEN c.number END AS counterparty "
            "FROM entries e JOIN transfers t ON t.id = e.transfer_id "
            "JOIN accounts c ON c.id = CASE WHEN t.source_id = e.account_id THEN t.destination_id ELSE t.source_id END "
            "WHERE e.account_id = :account AND e.created_at >= :since AND e.created_at < :until AND " + where_and_order
        )
        .bindparams(bindparam("since", type_=UTCDateTime), bindparam("until", type_=UTCDateTime))
        .columns(created_at=UTCDateTime)
    )


_PAGE = _entries_query("e.id < :before ORDER BY e.id DESC LIMIT :limit")
_OLDEST_FIRST = _entries_query("e.id > :after ORDER BY e.id LIMIT :limit")
STATEMENT_BATCH = 1000
_NO_CURSOR = 2**63 - 1
_EARLIEST = datetime(1970, 1, 1).astimezone()
_LATEST = datetime(9999, 1, 1).astimezone()


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One movement on an account: signed amount and the balance it left."""

    id: int
    transfer_id: int
    amount: int
    balance_after: int
    created_at: datetime
    memo: str
    kind: str
    counterparty: str | None  # None: the bank's cash (a deposit or withdrawal); see ``kind``


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """A page of history and the cursor of the next one (None at the end)."""

    account: Account
    items: list[HistoryItem]
    next_cursor: str | None


def encode_cursor(entry_id: int) -> str:
    """An opaque cursor for the page after ``entry_id``."""
    return base64.urlsafe_b64encode(f"e{entry_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The entry id a cursor points below; refuse anything the bank did not make."""
    if not cursor:
        return _NO_CURSOR
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        entry_id = int(raw[1:]) if raw[:1] == "e" and raw[1:].isascii() and raw[1:].isdigit() else -1
        if not 0 < entry_id < _NO_CURSOR or encode_cursor(entry_id) != cursor:
            raise ValueError  # only the exact text the bank issued is a cursor
        return entry_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor() from None


def page(
    db: Database,
    *,
    number: str,
    owner_id: int | None,
    limit: int = DEFAULT_PAGE,
    cursor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> HistoryPage:
    """One page of the account's movements, newest first; another owner's account is NotFound."""
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"The page size must be between 1 and {MAX_PAGE}.", field="limit")
    account = get_by_number(db, number=number, owner_id=owner_id)
    before = decode_cursor(cursor)
    params = {
        "account": account.id,
        "before": before,
        "since": since or _EARLIEST,
        "until": until or _LATEST,
        "limit": limit + 1,
    }
    rows = db.read(lambda conn: _rows(conn, params))
    items = [HistoryItem(**row._asdict()) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return HistoryPage(account, items, next_cursor)


def _rows(conn: Connection, params: dict) -> Sequence[Row[Any]]:
    return conn.execute(_PAGE, params).all()


def between(
    db: Database, *, number: str, owner_id: int | None, since: datetime | None, until: datetime | None
) -> tuple[Account, Iterator[HistoryItem]]:
    """The account, checked at once (another owner's is NotFound), and its movements in [since, until).

    The movements come oldest first, read in batches only as they are consumed, so a
    statement of any length streams in constant memory.
    """
    account = get_by_number(db, number=number, owner_id=owner_id)
    params = {
        "account": account.id,
        "after": 0,
        "since": since or _EARLIEST,
        "until": until or _LATEST,
        "limit": STATEMENT_BATCH,
    }

    def movements() -> Iterator[HistoryItem]:
        while True:
            rows = db.read(lambda conn: conn.execute(_OLDEST_FIRST, params).all())
            yield from (HistoryItem(**row._asdict()) for row in rows)
            if len(rows) < STATEMENT_BATCH:
                return
            params["after"] = rows[-1].id

    return account, movements()


def latest_for_owner(db: Database, *, accounts: list[Account], limit: int = 5) -> list[tuple[Account, HistoryItem]]:
    """The newest movements across the given accounts of one owner, newest first."""
    merged = [
        (account, item)
        for account in accounts
        for item in page(db, number=account.number, owner_id=account.owner_id, limit=limit).items
    ]
    # Entry ids are handed out in time order, so they order movements across accounts too.
    return sorted(merged, key=lambda pair: pair[1].id, reverse=True)[:limit]


_BALANCES_AFTER = text(
    "SELECT a.number, e.balance_after FROM entries e JOIN accounts a ON a.id = e.account_id "
    "WHERE e.transfer_id = :transfer AND a.owner_id = :owner"
)


def balances_after(db: Database, *, transfer_id: int, owner_id: int) -> dict[str, int]:
    """The balance each of the owner's accounts was left with by one transfer, by number."""
    rows = db.read(lambda conn: conn.execute(_BALANCES_AFTER, {"transfer": transfer_id, "owner": owner_id}).all())
    return {row.number: row.balance_after for row in rows}
