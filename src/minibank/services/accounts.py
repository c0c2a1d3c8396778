"""Opening, listing and reading accounts; the per-currency "bank cash" system account."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from ..db import Database
from ..domain.accounts import is_valid_number, new_number
from ..domain.errors import InvalidInput, InvisibleCharacters, NotFound
from ..domain.text import hidden_character
from ..domain.transfers import CUSTOMER, SYSTEM
from ..models import accounts, utcnow
from . import audit

CASH_ACCOUNT_NAME = "bank cash"
ACCOUNT_NAME_MAX = 60


@dataclass(frozen=True, slots=True)
class Account:
    """An account as callers see it."""

    id: int
    number: str
    owner_id: int | None
    name: str
    currency: str
    balance: int
    status: str
    kind: str
    opened_at: datetime


ACCOUNT_COLUMNS = [getattr(accounts.c, name) for name in Account.__slots__]


def _row_to_account(row) -> Account:
    return Account(**row._asdict())


def check_name(name: object) -> str:
    """Return a trimmed account name, or refuse an empty, long or control-laden one."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("Give the account a name.", field="name")
    name = name.strip()
    if len(name) > ACCOUNT_NAME_MAX:
        raise InvalidInput(f"Account names are at most {ACCOUNT_NAME_MAX} characters.", field="name")
    if hidden := hidden_character(name):
        raise InvisibleCharacters(
            f"Account names may not contain invisible or control characters ({hidden}).", field="name"
        )
    return name


def open_account(
    db: Database, *, owner_id: int, name: str, currency: str, client_ip: str | None = None, number: str | None = None
) -> Account:
    """Open a new customer account with a zero balance (a random number unless ``number`` is given)."""
    name = check_name(name)
    if number is not None and not is_valid_number(number):
        raise InvalidInput("Account numbers are ten digits with valid check digits.", field="number")

    def work(conn: Connection) -> Account:
        ensure_cash_account(conn, currency)
        row = conn.execute(
            insert(accounts)
            .values(
                number=number or new_number(),
                owner_id=owner_id,
                name=name,
                currency=currency,
                balance=0,
                status="open",
                kind=CUSTOMER,
                opened_at=utcnow(),
            )
            .returning(*ACCOUNT_COLUMNS)
        ).one()
        audit.record(conn, event="account.opened", actor_id=owner_id, object=row.number, client_ip=client_ip)
        return _row_to_account(row)

    # A clash of random account numbers is retried with a fresh number.
    return db.write(work, retry_unique=("uq_accounts_number", "accounts.number"))


def ensure_cash_account(conn: Connection, currency: str) -> None:
    """Create the currency's "bank cash" account if it is missing (inside the caller's transaction)."""
    exists = conn.execute(
        select(accounts.c.id).where(accounts.c.kind == SYSTEM, accounts.c.currency == currency)
    ).first()
    if exists is None:
        conn.execute(
            insert(accounts).values(
                number=new_number(),
                owner_id=None,
                name=CASH_ACCOUNT_NAME,
                currency=currency,
                balance=0,
                status="open",
                kind=SYSTEM,
                opened_at=utcnow(),
            )
        )


def cash_account_number(conn: Connection, currency: str) -> str | None:
    """The number of the currency's "bank cash" account."""
    return conn.execute(
        select(accounts.c.number).where(accounts.c.kind == SYSTEM, accounts.c.currency == currency)
    ).scalar_one_or_none()


def list_for_owner(db: Database, *, owner_id: int) -> list[Account]:
    """The owner's accounts, oldest first."""
    query = select(*ACCOUNT_COLUMNS).where(accounts.c.owner_id == owner_id).order_by(accounts.c.id)
    return db.read(lambda conn: [_row_to_account(r) for r in conn.execute(query)])


def get_by_number(db: Database, *, number: str, owner_id: int | None) -> Account:
    """One account by number; an account not owned by ``owner_id`` is NotFound (None: any)."""
    if not is_valid_number(number):
        raise NotFound("No such account.")
    query = select(*ACCOUNT_COLUMNS).where(accounts.c.number == number)
    if owner_id is not None:
        query = query.where(accounts.c.owner_id == owner_id)
    row = db.read(lambda conn: conn.execute(query).first())
    if row is None:
        raise NotFound("No such account.")
    return _row_to_account(row)


def close_account(db: Database, *, number: str, owner_id: int, client_ip: str | None = None) -> Account:
    """Close an empty account of the owner's; refuse one that still holds money."""

    def work(conn: Connection) -> Account:
        row = conn.execute(
            select(*ACCOUNT_COLUMNS)
            .where(accounts.c.number == number, accounts.c.owner_id == owner_id)
            .with_for_update()
        ).first()
        if row is None:
            raise NotFound("No such account.")
        if row.balance != 0:
            raise InvalidInput("Move the money out before closing the account.", field="number")
        conn.execute(update(accounts).where(accounts.c.id == row.id).values(status="closed"))
        audit.record(conn, event="account.closed", actor_id=owner_id, object=number, client_ip=client_ip)
        return Account(**{**row._asdict(), "status": "closed"})

    return db.write(work)
