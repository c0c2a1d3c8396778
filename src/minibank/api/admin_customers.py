"""API for staff about customers: find them, read one, freeze, unfreeze and close accounts, end sessions."""

from flask import request

from ..domain.accounts import normalize_number
from ..extensions import db
from ..guards import current_user
from ..security.permissions import Permission
from ..services import customers, staff, users
from . import bp
from .admin_schemas import AdminAccountOut, CustomerOut, CustomerPageOut, CustomerSearchQuery
from .params import decode_cursor, encode_cursor, parse_query
from .registry import PROBLEM, operation
from .schemas import AdminUserOut
from .shapes import account_out, admin_user_out

_USER_ID = {"user_id": {"type": "integer"}}
_STATUS_CHANGE: dict = {200: AdminAccountOut, 409: PROBLEM}


@operation(
    bp,
    "GET",
    "/admin/customers",
    summary="Find customers",
    tag="admin",
    permission=Permission.READ_CUSTOMERS,
    query=CustomerSearchQuery,
    responses={200: CustomerPageOut},
)
def search_customers():
    """Customers whose name, e-mail or an account number contains ``q`` (any case), in name order, in pages."""
    query = parse_query(CustomerSearchQuery)
    page = decode_cursor(query.cursor) or 1
    found = customers.search(db, text=query.q, page=page, per_page=query.limit)
    next_cursor = encode_cursor(found.page + 1) if found.has_next else None
    return {"items": [admin_user_out(user) for user in found.items], "next_cursor": next_cursor}, 200


@operation(
    bp,
    "GET",
    "/admin/customers/{user_id}",
    summary="Read a customer and their accounts",
    tag="admin",
    permission=Permission.READ_CUSTOMERS,
    path_params=_USER_ID,
    responses={200: CustomerOut},
)
def get_customer(user_id: int):
    """A customer's profile, login status and accounts with their balances; staff logins are 404."""
    found = customers.get(db, user_id=user_id)
    return {**admin_user_out(found.user), "accounts": [account_out(a) for a in found.accounts]}, 200


def _status_change(change, number: str):
    account = change(db, number=normalize_number(number), actor_id=current_user().id, client_ip=request.remote_addr)
    return {**account_out(account), "owner_id": account.owner_id}, 200


@operation(
    bp,
    "POST",
    "/admin/accounts/{number}/freeze",
    summary="Freeze an account",
    tag="admin",
    permission=Permission.FREEZE_ACCOUNTS,
    responses=_STATUS_CHANGE,
)
def freeze_account(number: str):
    """The account still receives money but cannot send any (422 account_frozen); 409 unless it is open."""
    return _status_change(staff.freeze, number)


@operation(
    bp,
    "POST",
    "/admin/accounts/{number}/unfreeze",
    summary="Unfreeze an account",
    tag="admin",
    permission=Permission.FREEZE_ACCOUNTS,
    responses=_STATUS_CHANGE,
)
def unfreeze_account(number: str):
    """The account may send money again; 409 unless it is frozen."""
    return _status_change(staff.unfreeze, number)


@operation(
    bp,
    "POST",
    "/admin/accounts/{number}/close",
    summary="Close an account",
    tag="admin",
    permission=Permission.CLOSE_ACCOUNTS,
    responses=_STATUS_CHANGE,
)
def close_account(number: str):
    """Close an open or frozen account at a zero balance (409 account_not_empty otherwise)."""
    return _status_change(staff.close, number)


@operation(
    bp,
    "POST",
    "/admin/users/{user_id}/end-sessions",
    summary="End a customer's sessions",
    tag="admin",
    permission=Permission.MANAGE_USERS,
    path_params=_USER_ID,
    responses={200: AdminUserOut},
)
def end_sessions(user_id: int):
    """Every session and token the customer holds stops working at once; they may log in again."""
    staff.end_sessions(db, user_id=user_id, actor_id=current_user().id, client_ip=request.remote_addr)
    return admin_user_out(users.get(db, user_id=user_id)), 200
