"""API accounts: list and open the caller's accounts, read one, page through its history."""

from flask import current_app, request

from ..domain.accounts import normalize_number
from ..extensions import db, reads
from ..guards import current_user
from ..services import accounts, history
from . import bp
from .body import parse_json
from .params import HistoryQuery, parse_query
from .registry import PROBLEM, operation
from .schemas import AccountList, AccountOpenIn, AccountOut, HistoryPageOut
from .shapes import account_out, history_item_out


@operation(bp, "GET", "/accounts", summary="List my accounts", tag="accounts", responses={200: AccountList})
def list_accounts():
    """Every account the caller owns, oldest first."""
    owned = accounts.list_for_owner(db, owner_id=current_user().id)
    return {"items": [account_out(account) for account in owned], "next_cursor": None}, 200


@operation(
    bp, "POST", "/accounts", summary="Open an account", tag="accounts", body=AccountOpenIn, responses={201: AccountOut}
)
def open_account():
    """Open a new, empty account in the bank's currency."""
    data = parse_json(AccountOpenIn)
    account = accounts.open_account(
        db,
        owner_id=current_user().id,
        name=data.name,
        currency=current_app.config["CURRENCY"],
        client_ip=request.remote_addr,
    )
    return account_out(account), 201


@operation(
    bp, "GET", "/accounts/{number}", summary="Read one of my accounts", tag="accounts", responses={200: AccountOut}
)
def get_account(number: str):
    """One account the caller owns; anyone else's is 404, exactly like a missing one."""
    account = accounts.get_by_number(db, number=normalize_number(number), owner_id=current_user().id)
    return account_out(account), 200


@operation(
    bp,
    "GET",
    "/accounts/{number}/transactions",
    summary="Page through an account's history",
    tag="accounts",
    query=HistoryQuery,
    responses={200: HistoryPageOut, 404: PROBLEM},
)
def list_transactions(number: str):
    """Movements on one of the caller's accounts, newest first, in keyset pages."""
    query = parse_query(HistoryQuery)
    number = normalize_number(number)
    page = history.page(
        reads.for_accounts([number]),
        number=number,
        owner_id=current_user().id,
        limit=query.limit,
        cursor=query.cursor,
        where=query.where(),
    )
    return {"items": [history_item_out(item) for item in page.items], "next_cursor": page.next_cursor}, 200
