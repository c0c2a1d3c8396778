"""An account's history: its entries newest first, in keyset pages that stay stable as money moves."""

import base64
import binascii
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import Connection, Row, bindparam, text

from ..db import Database
from ..domain.accounts import normalize_number
from ..domain.errors import InvalidCursor, InvalidInput
from ..domain.moves import TransferRecord
from ..models import UTCDateTime
from .accounts import Account, get_by_number

MAX_PAGE = 100
DEFAULT_PAGE = 20
SEARCH_MAX_LENGTH = 100

# What a movement's other side is called, from the viewer's point of view: their own account's
# name, the name they saved a payee under, and for money in, the sender's name as the bank holds
# it (as bank statements show it). A number paid without a saved payee never shows its holder's name.
_COLUMNS = (
    "SELECT e.id, e.transfer_id, e.amount, e.balance_after, e.created_at, t.memo, t.kind, "
    "CASE WHEN c.kind = 'customer' THEN c.number END AS counterparty, "
    "CASE WHEN c.owner_id = :owner THEN c.name END AS own_name, "
    "(SELECT p.name FROM payees p WHERE p.owner_id = :owner AND p.account_number = c.number) AS payee_name, "
    "CASE WHEN e.amount > 0 AND c.kind = 'customer' AND c.owner_id <> :owner "
    "THEN (SELECT u.name FROM users u WHERE u.id = c.owner_id) END AS sender_name "
    "FROM entries e JOIN transfers t ON t.id = e.transfer_id "
    "JOIN accounts c ON c.id = CASE WHEN t.source_id = e.account_id THEN t.destination_id ELSE t.source_id END "
    "WHERE e.account_id = :account AND e.created_at >= :since AND e.created_at < :until"
)
# The filters a customer may add, each a fixed piece of SQL whose values are bound.
_CASH_LABEL = "CASE t.kind WHEN 'deposit' THEN 'cash deposit' WHEN 'withdrawal' THEN 'cash withdrawal' END"
_TEXT = (
    " AND (lower(t.memo) LIKE :text ESCAPE '\\' OR c.number LIKE :digits ESCAPE '\\'"
    f" OR {_CASH_LABEL} LIKE :text ESCAPE '\\'"
    " OR lower(CASE WHEN c.owner_id = :owner THEN c.name END) LIKE :text ESCAPE '\\'"
    " OR EXISTS (SELECT 1 FROM payees p WHERE p.owner_id = :owner AND p.account_number = c.number"
    " AND lower(p.name) LIKE :text ESCAPE '\\')"
    " OR (e.amount > 0 AND c.kind = 'customer' AND c.owner_id <> :owner"
    " AND EXISTS (SELECT 1 FROM users u WHERE u.id = c.owner_id AND lower(u.name) LIKE :text ESCAPE '\\')))"
)
_FILTERS = {
    "text": _TEXT,
    "direction_in": " AND e.amount > 0",
    "direction_out": " AND e.amount < 0",
    "min_amount": " AND (e.amount >= :min_amount OR e.amount <= -:min_amount)",
    "max_amount": " AND e.amount <= :max_amount AND e.amount >= -:max_amount",
}
Direction = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    """What a customer looks for: text in the memo or the other side's name or number, days, direction, size."""

    text: str = ""
    since: datetime | None = None
    until: datetime | None = None
    direction: Direction | None = None
    min_amount: int | None = None
    max_amount: int | None = None

    def clauses(self) -> str:
        """The SQL that narrows the entries to this filter (values bound by ``params``)."""
        wanted = [
            self.text and "text",
            self.direction and f"direction_{self.direction}",
            self.min_amount is not None and "min_amount",
            self.max_amount is not None and "max_amount",
        ]
        return "".join(_FILTERS[name] for name in wanted if name)

    def params(self) -> dict[str, Any]:
        """The values the clauses bind."""
        digits = normalize_number(self.text)
        return {
            "since": self.since or _EARLIEST,
            "until": self.until or _LATEST,
            "text": f"%{_escape_like(self.text.lower())}%",
            "digits": f"%{_escape_like(digits)}%" if digits.isdigit() else "",
            "min_amount": self.min_amount,
            "max_amount": self.max_amount,
        }

    def check(self) -> None:
        """Refuse a filter the bank cannot read (an empty range, days or amounts, is not an error: it finds nothing)."""
        if len(self.text) > SEARCH_MAX_LENGTH:
            raise InvalidInput(f"Search for at most {SEARCH_MAX_LENGTH} characters.", field="q")
        if self.direction not in (None, "in", "out"):
            raise InvalidInput("The direction is either in or out.", field="direction")


NO_FILTER = HistoryFilter()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _entries_query(where_and_order: str):
    return (
        text(_COLUMNS + where_and_order)
        .bindparams(bindparam("since", type_=UTCDateTime), bindparam("until", type_=UTCDateTime))
        .columns(created_at=UTCDateTime)
    )


# Entries of one account commit in id order (each holds the account's lock), so
# "id below (or above) the last one seen" never skips or repeats a row between pages.
@lru_cache(maxsize=64)
def _newest_first(clauses: str):
    return _entries_query(clauses + " AND e.id < :before ORDER BY e.id DESC LIMIT :limit")


@lru_cache(maxsize=64)
def _oldest_first(clauses: str):
    return _entries_query(clauses + " AND e.id > :after ORDER BY e.id LIMIT :limit")


STATEMENT_BATCH = 1000
_NO_CURSOR = 2**63 - 1
_EARLIEST = datetime(1970, 1, 1).astimezone()
_LATEST = datetime(9999, 1, 1).astimezone()
CASH_LABELS = {"deposit": "Cash deposit", "withdrawal": "Cash withdrawal"}


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One movement on an account: signed amount, the balance it left, and what its other side is called."""

    id: int
    transfer_id: int
    amount: int
    balance_after: int
    created_at: datetime
    memo: str
    kind: str
    counterparty: str | None  # None: the bank's cash (a deposit or withdrawal); see ``kind``
    own_name: str | None = None  # the other side is another account of the same owner
    payee_name: str | None = None  # the name the owner saved the other side under
    sender_name: str | None = None  # money in: the sender's name as the bank holds it

    @property
    def counterparty_name(self) -> str | None:
        """How the owner knows the other side, or None when only its number may be shown."""
        return known_as(self.kind, self.own_name, self.payee_name, self.sender_name)


def known_as(kind: str, own_name: str | None, payee_name: str | None, sender_name: str | None) -> str | None:
    """What a customer calls a movement's other side: cash, their own account, their payee, else the sender."""
    return CASH_LABELS.get(kind) or own_name or payee_name or sender_name


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
    where: HistoryFilter = NO_FILTER,
) -> HistoryPage:
    """One page of the account's movements that match ``where``, newest first; another owner's account is NotFound."""
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"The page size must be between 1 and {MAX_PAGE}.", field="limit")
    where.check()
    account = get_by_number(db, number=number, owner_id=owner_id)
    before = decode_cursor(cursor)
    params = {**where.params(), "account": account.id, "owner": account.owner_id, "before": before, "limit": limit + 1}
    query = _newest_first(where.clauses())
    rows = db.read(lambda conn: _rows(conn, query, params))
    items = [HistoryItem(**row._asdict()) for row in rows[:limit]]
    next_cursor = encode_cursor(items[-1].id) if len(rows) > limit else None
    return HistoryPage(account, items, next_cursor)


def _rows(conn: Connection, query, params: dict) -> Sequence[Row[Any]]:
    return conn.execute(query, params).all()


def between(
    db: Database, *, number: str, owner_id: int | None, where: HistoryFilter = NO_FILTER
) -> tuple[Account, Iterator[HistoryItem]]:
    """The account, checked at once (another owner's is NotFound), and its movements that match ``where``.

    The movements come oldest first, read in batches only as they are consumed, so a
    statement of any length streams in constant memory.
    """
    where.check()
    account = get_by_number(db, number=number, owner_id=owner_id)
    params = {**where.params(), "account": account.id, "owner": account.owner_id, "after": 0, "limit": STATEMENT_BATCH}
    query = _oldest_first(where.clauses())

    def movements() -> Iterator[HistoryItem]:
        while True:
            rows = db.read(lambda conn: _rows(conn, query, params))
            yield from (HistoryItem(**row._asdict()) for row in rows)
            if len(rows) < STATEMENT_BATCH:
                return
            params["after"] = rows[-1].id

    return account, movements()


@dataclass(frozen=True, slots=True)
class Movement:
    """A line of the dashboard: a movement on ``account``, or between two of the owner's accounts (``to``)."""

    account: Account
    item: HistoryItem
    to: Account | None = None


def latest_for_owner(db: Database, *, accounts: list[Account], limit: int = 5) -> list[Movement]:
    """The newest movements across the given accounts of one owner, newest first; a move between two once."""
    merged = [
        (account, item)
        for account in accounts
        for item in page(db, number=account.number, owner_id=account.owner_id, limit=2 * limit).items
    ]
    # Entry ids are handed out in time order, so they order movements across accounts too. Twice
    # the limit from each: a move between two of them shows once.
    merged.sort(key=lambda pair: pair[1].id, reverse=True)
    by_number = {account.number: account for account in accounts}
    shown: dict[int, Movement] = {}
    for account, item in merged:
        other = by_number.get(item.counterparty or "")
        if item.transfer_id in shown:
            continue
        if other is not None:
            # A move between two of the owner's accounts: shown once, from the paying one.
            source, destination = (account, other) if item.amount < 0 else (other, account)
            paid = item if item.amount < 0 else replace(item, amount=-item.amount)
            shown[item.transfer_id] = Movement(source, paid, to=destination)
        else:
            shown[item.transfer_id] = Movement(account, item)
    return list(shown.values())[:limit]


_BALANCES_AFTER = text(
    "SELECT a.number, e.balance_after FROM entries e JOIN accounts a ON a.id = e.account_id "
    "WHERE e.transfer_id = :transfer AND a.owner_id = :owner"
)


def balances_after(db: Database, *, transfer_id: int, owner_id: int) -> dict[str, int]:
    """The balance each of the owner's accounts was left with by one transfer, by number."""
    rows = db.read(lambda conn: conn.execute(_BALANCES_AFTER, {"transfer": transfer_id, "owner": owner_id}).all())
    return {row.number: row.balance_after for row in rows}


_PARTIES = text(
    "SELECT a.number, a.kind, a.owner_id, a.name, u.name AS holder, "
    "(SELECT p.name FROM payees p WHERE p.owner_id = :viewer AND p.account_number = a.number) AS payee "
    "FROM accounts a LEFT JOIN users u ON u.id = a.owner_id WHERE a.number IN (:source, :destination)"
)


def party_names(db: Database, *, record: TransferRecord, viewer_id: int) -> dict[str, str]:
    """The names the viewer knows a transfer's two customer accounts by, by number (as in their history)."""
    params = {"viewer": viewer_id, "source": record.source, "destination": record.destination}
    rows = db.read(lambda conn: conn.execute(_PARTIES, params).all())
    names = {}
    for row in rows:
        if row.kind != "customer":
            continue
        incoming = row.number == record.source and record.destination_owner == viewer_id != row.owner_id
        name = known_as(
            "transfer",  # the cash side of a deposit or withdrawal is not a customer's account
            row.name if row.owner_id == viewer_id else None,
            row.payee,
            row.holder if incoming else None,
        )
        if name:
            names[row.number] = name
    return names
