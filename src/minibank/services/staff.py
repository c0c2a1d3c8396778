"""What staff do to customers' accounts and logins: freeze, unfreeze, close, end sessions; each audited."""

from sqlalchemy import Connection, select, update

from ..db import Database
from ..domain.errors import Conflict, Forbidden, NotFound
from ..domain.transfers import CLOSED, CUSTOMER, FROZEN, OPEN
from ..models import accounts, users
from ..security.permissions import CUSTOMER as CUSTOMER_ROLE
from . import audit, sessions
from .accounts import ACCOUNT_COLUMNS, Account

OWN_ACCOUNT = "Staff cannot act on an account of their own; ask a colleague."


class AccountNotEmpty(Conflict):
    """An account that still holds money cannot be closed."""

    code = "account_not_empty"


class WrongAccountStatus(Conflict):
    """The account is not in a state this action applies to."""

    code = "account_status"


def _locked_customer_account(conn: Connection, number: str, actor_id: int):
    """The customer's account row under lock (the ledger locks the same row), or a refusal."""
    row = conn.execute(
        select(*ACCOUNT_COLUMNS, users.c.role.label("owner_role"))
        .join(users, users.c.id == accounts.c.owner_id)
        .where(accounts.c.number == number, accounts.c.kind == CUSTOMER)
        .with_for_update(of=accounts)
    ).first()
    if row is None or row.owner_role != CUSTOMER_ROLE:
        raise NotFound("No such account.")
    if row.owner_id == actor_id:
        raise Forbidden(OWN_ACCOUNT)
    return row


def _set_status(
    db: Database,
    *,
    number: str,
    to: str,
    allowed_from: tuple[str, ...],
    event: str,
    actor_id: int,
    client_ip: str | None,
    check=None,
) -> Account:
    def work(conn: Connection) -> Account:
        row = _locked_customer_account(conn, number, actor_id)
        if row.status not in allowed_from:
            raise WrongAccountStatus(f"The account is {row.status}.")
        if check is not None:
            check(row)
        conn.execute(update(accounts).where(accounts.c.id == row.id).values(status=to))
        audit.record(
            conn, event=event, actor_id=actor_id, object=number, client_ip=client_ip, details={"was": row.status}
        )
        values = {name: getattr(row, name) for name in Account.__slots__}
        return Account(**{**values, "status": to})

    return db.write(work)


def freeze(db: Database, *, number: str, actor_id: int, client_ip: str | None = None) -> Account:
    """Freeze an open account: it still receives money but cannot send any."""
    return _set_status(
        db,
        number=number,
        to=FROZEN,
        allowed_from=(OPEN,),
        event="account.frozen",
        actor_id=actor_id,
        client_ip=client_ip,
    )


def unfreeze(db: Database, *, number: str, actor_id: int, client_ip: str | None = None) -> Account:
    """Let a frozen account send money again."""
    return _set_status(
        db,
        number=number,
        to=OPEN,
        allowed_from=(FROZEN,),
        event="account.unfrozen",
        actor_id=actor_id,
        client_ip=client_ip,
    )


def _empty(row) -> None:
    if row.balance != 0:
        raise AccountNotEmpty("Only an account with a zero balance can be closed: pay the money out first.")


def close(db: Database, *, number: str, actor_id: int, client_ip: str | None = None) -> Account:
    """Close an open or frozen account, only at a zero balance; nothing moves in or out of it again."""
    return _set_status(
        db,
        number=number,
        to=CLOSED,
        allowed_from=(OPEN, FROZEN),
        event="account.closed_by_staff",
        actor_id=actor_id,
        client_ip=client_ip,
        check=_empty,
    )


def end_sessions(db: Database, *, user_id: int, actor_id: int, client_ip: str | None = None) -> None:
    """End every session and token a customer holds (as disabling does), without disabling them."""
    if user_id == actor_id:
        raise Forbidden("End your own sessions by changing your password.")

    def work(conn: Connection) -> None:
        done = conn.execute(
            update(users)
            .where(users.c.id == user_id, users.c.role == CUSTOMER_ROLE)
            .values(token_version=users.c.token_version + 1)
        ).rowcount
        if not done:
            raise NotFound("No such customer.")
        sessions.end_all(conn, user_id=user_id)
        audit.record(
            conn, event="admin.sessions_ended", actor_id=actor_id, object=f"user:{user_id}", client_ip=client_ip
        )

    db.write(work)
