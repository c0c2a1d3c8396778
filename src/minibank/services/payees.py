"""Payees: accounts a customer saves under a name, confirmed against the holder's name (domain/payees.py)."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..db import Database
from ..domain.accounts import is_valid_number
from ..domain.errors import BankError, Conflict, InvalidInput, NotFound, UnknownDestination
from ..domain.payees import MATCH, NameCheck, check_payee_name, compare_names
from ..domain.transfers import CUSTOMER
from ..models import accounts, payees, users, utcnow
from . import audit

MAX_PAYEES = 500
MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Payee:
    """A saved payee: the customer's name for it, its account number, what confirmation of payee said."""

    id: int
    name: str
    account_number: str
    name_check: str
    created_at: datetime


class NameNotConfirmed(BankError):
    """The name does not match the account holder's: check it, or confirm that you mean this account."""

    code = "name_not_confirmed"
    field = "name"

    def __init__(self, check: NameCheck):
        if check.held_name is not None:
            detail = f"The name on this account is {check.held_name}. Change the name, or confirm that you mean it."
        else:
            detail = (
                "The name does not match the account holder's. Check the name and the number with the person you "
                "pay; if you go on, the money may go to someone else and may not come back."
            )
        super().__init__(detail)
        self.check = check
        self.extra = {"name_check": {"result": check.outcome, "held_name": check.held_name}}


_COLUMNS = (payees.c.id, payees.c.name, payees.c.account_number, payees.c.name_check, payees.c.created_at)


def confirm_name(db: Database, *, number: str, name: object) -> NameCheck:
    """Confirmation of payee: how ``name`` compares with the holder of account ``number``."""
    name = check_payee_name(name)
    if not is_valid_number(number):
        raise UnknownDestination(field="account_number")  # as a transfer to it would be
    holder = db.read(
        lambda conn: conn.execute(
            select(users.c.name)
            .join(accounts, accounts.c.owner_id == users.c.id)
            .where(accounts.c.number == number, accounts.c.kind == CUSTOMER)
        ).scalar()
    )
    if holder is None:
        raise UnknownDestination(field="account_number")
    return compare_names(name, holder)


def _accepted_check(db: Database, number: str, name: str, confirmed: bool) -> NameCheck:
    """The name check, refused as NameNotConfirmed unless it matched or the customer confirmed."""
    check = confirm_name(db, number=number, name=name)
    if check.outcome != MATCH and not confirmed:
        raise NameNotConfirmed(check)
    return check


def list_for_owner(db: Database, *, owner_id: int) -> list[Payee]:
    """The customer's payees, by name."""
    query = select(*_COLUMNS).where(payees.c.owner_id == owner_id).order_by(payees.c.name, payees.c.id)
    return [Payee(*row) for row in db.read(lambda conn: conn.execute(query).all())]


def add(
    db: Database, *, owner_id: int, name: object, number: str, confirmed: bool = False, client_ip: str | None = None
) -> tuple[Payee, NameCheck]:
    """Save a payee; a name that is not a match needs ``confirmed`` (the customer saw the warning)."""
    name = check_payee_name(name)
    check = _accepted_check(db, number, name, confirmed)

    def work(conn: Connection) -> Payee:
        own = conn.execute(select(accounts.c.owner_id).where(accounts.c.number == number)).scalar()
        if own == owner_id:
            raise InvalidInput(
                "That is one of your own accounts: the transfer form offers it by name.", field="account_number"
            )
        count = conn.execute(select(payees.c.id).where(payees.c.owner_id == owner_id).limit(MAX_PAYEES)).all()
        if len(count) >= MAX_PAYEES:
            raise Conflict(f"You can keep at most {MAX_PAYEES} payees: delete one first.")
        row = conn.execute(
            insert(payees)
            .values(owner_id=owner_id, name=name, account_number=number, name_check=check.outcome, created_at=utcnow())
            .returning(*_COLUMNS)
        ).one()
        audit.record(
            conn,
            event="payee.added",
            actor_id=owner_id,
            object=f"payee:{row.id}",
            client_ip=client_ip,
            details={"name_check": check.outcome},
        )
        return Payee(*row)

    try:
        return db.write(work), check
    except IntegrityError as error:
        if "account_number" in str(error.orig):
            raise Conflict("This account is already one of your payees.", field="account_number") from None
        raise


def rename(
    db: Database, *, owner_id: int, payee_id: int, name: object, confirmed: bool = False, client_ip: str | None = None
) -> tuple[Payee, NameCheck]:
    """Give a payee another name, confirmed against the holder's as when it was added."""
    payee = get(db, owner_id=owner_id, payee_id=payee_id)
    name = check_payee_name(name)
    check = _accepted_check(db, payee.account_number, name, confirmed)

    def work(conn: Connection) -> Payee:
        row = conn.execute(
            update(payees)
            .where(payees.c.id == payee_id, payees.c.owner_id == owner_id)
            .values(name=name, name_check=check.outcome)
            .returning(*_COLUMNS)
        ).first()
        if row is None:
            raise NotFound("No such payee.")
        audit.record(
            conn,
            event="payee.renamed",
            actor_id=owner_id,
            object=f"payee:{payee_id}",
            client_ip=client_ip,
            details={"name_check": check.outcome},
        )
        return Payee(*row)

    return db.write(work), check


def remove(db: Database, *, owner_id: int, payee_id: int, client_ip: str | None = None) -> None:
    """Delete one of the customer's payees; anyone else's is NotFound."""

    def work(conn: Connection) -> None:
        gone = conn.execute(delete(payees).where(payees.c.id == payee_id, payees.c.owner_id == owner_id)).rowcount
        if not gone:
            raise NotFound("No such payee.")
        audit.record(conn, event="payee.deleted", actor_id=owner_id, object=f"payee:{payee_id}", client_ip=client_ip)

    if not 0 < payee_id <= MAX_ID:
        raise NotFound("No such payee.")
    db.write(work)


def get(db: Database, *, owner_id: int, payee_id: int) -> Payee:
    """One of the customer's payees; anyone else's is NotFound."""
    if not 0 < payee_id <= MAX_ID:
        raise NotFound("No such payee.")
    query = select(*_COLUMNS).where(payees.c.id == payee_id, payees.c.owner_id == owner_id)
    row = db.read(lambda conn: conn.execute(query).first())
    if row is None:
        raise NotFound("No such payee.")
    return Payee(*row)
