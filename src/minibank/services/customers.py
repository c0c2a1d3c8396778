"""The back office's view of customers: finding them and reading one with their accounts."""

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from ..db import Database
from ..domain.errors import InvalidInput, NotFound
from ..models import accounts, users
from ..security.permissions import CUSTOMER
from .accounts import ACCOUNT_COLUMNS, Account
from .users import USER_COLUMNS, User, user_from_row

SEARCH_MAX_LENGTH = 100
PAGE_SIZE_MAX = 100
# Spaces and dashes people type inside an account number ("4821 0933 22").
_NUMBER_SEPARATORS = re.compile(r"[\s-]")


@dataclass(frozen=True, slots=True)
class CustomerPage:
    """One page of customers found, in name order; ``has_next`` when another page follows."""

    items: list[User]
    page: int
    has_next: bool


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer with every account they hold, oldest first."""

    user: User
    accounts: list[Account]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def check_search(text: object) -> str:
    """The search text trimmed, or a refusal of one that is empty or too long."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("Type a name, an e-mail address or an account number.", field="q")
    text = text.strip()
    if len(text) > SEARCH_MAX_LENGTH:
        raise InvalidInput(f"Search for at most {SEARCH_MAX_LENGTH} characters.", field="q")
    return text


def search(db: Database, *, text: str, page: int = 1, per_page: int = 20) -> CustomerPage:
    """Customers whose name, e-mail or an account number contains ``text`` (any case), a page at a time."""
    text = check_search(text)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1 or page > 10_000:
        raise InvalidInput("Pages are numbered from 1.", field="page")
    if not 1 <= per_page <= PAGE_SIZE_MAX:
        raise InvalidInput(f"Show 1 to {PAGE_SIZE_MAX} customers a page.", field="per_page")
    pattern = _like(text.lower())
    matches: list[ColumnElement[bool]] = [
        func.lower(users.c.name).like(pattern, escape="\\"),
        users.c.email.like(pattern, escape="\\"),
    ]
    digits = _NUMBER_SEPARATORS.sub("", text)
    if digits.isdigit():
        held = and_(accounts.c.owner_id == users.c.id, accounts.c.number.like(_like(digits), escape="\\"))
        matches.append(exists().where(held))
    query = (
        select(*USER_COLUMNS)
        .where(users.c.role == CUSTOMER, or_(*matches))
        .order_by(func.lower(users.c.name), users.c.id)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    rows = db.read(lambda conn: conn.execute(query).all())
    return CustomerPage([user_from_row(row) for row in rows[:per_page]], page, len(rows) > per_page)


def get(db: Database, *, user_id: int) -> Customer:
    """A customer and their accounts; staff, and anyone unknown, are NotFound (the back office serves customers)."""

    def work(conn) -> Customer:
        row = conn.execute(select(*USER_COLUMNS).where(users.c.id == user_id, users.c.role == CUSTOMER)).first()
        if row is None:
            raise NotFound("No such customer.")
        held = conn.execute(select(*ACCOUNT_COLUMNS).where(accounts.c.owner_id == user_id).order_by(accounts.c.id))
        return Customer(user_from_row(row), [Account(**account._asdict()) for account in held])

    return db.read(work)


def owner_of(db: Database, *, number: str) -> int:
    """The customer who holds account ``number``; a bank account, a staff member's, or none, is NotFound."""
    query = (
        select(users.c.id)
        .join(accounts, accounts.c.owner_id == users.c.id)
        .where(accounts.c.number == number, users.c.role == CUSTOMER)
    )
    owner = db.read(lambda conn: conn.execute(query).scalar())
    if owner is None:
        raise NotFound("No such account.")
    return int(owner)
