"""API for staff: cash in and out, the audit trail, disabling users (each behind its permission)."""

from flask import request
from pydantic import BaseModel

from ..domain.accounts import normalize_number
from ..domain.money import parse_amount
from ..extensions import db
from ..guards import current_user
from ..security.permissions import Permission
from ..services import audit, auth, transfers, users
from . import bp
from .body import parse_json
from .idempotency import created, idempotency_key
from .params import PageQuery, decode_cursor, encode_cursor, parse_query
from .registry import PROBLEM, operation
from .schemas import AdminUserOut, AuditPageOut, CashIn, TransferOut
from .shapes import admin_user_out, audit_event_out, transfer_out

_CASH: dict[int, type[BaseModel] | str | None] = {201: TransferOut, 404: PROBLEM, 409: PROBLEM}
_USER_ID = {"user_id": {"type": "integer"}}


def _cash(move):
    data = parse_json(CashIn)
    key = idempotency_key()
    result = move(
        db,
        account=normalize_number(data.account),
        amount=parse_amount(data.amount),
        memo=data.memo,
        actor_id=current_user().id,
        idempotency_key=key,
        client_ip=request.remote_addr,
    )
    return created(transfer_out(result.transfer), replayed=result.replayed)


@operation(
    bp,
    "POST",
    "/admin/deposits",
    summary="Pay cash into an account",
    tag="admin",
    permission=Permission.MOVE_CASH,
    body=CashIn,
    idempotent=True,
    responses=_CASH,
)
def deposit():
    """Cash in: money moves from the bank's cash account into a customer account."""
    return _cash(transfers.deposit)


@operation(
    bp,
    "POST",
    "/admin/withdrawals",
    summary="Pay cash out of an account",
    tag="admin",
    permission=Permission.MOVE_CASH,
    body=CashIn,
    idempotent=True,
    responses=_CASH,
)
def withdraw():
    """Cash out: money moves from a customer account to the bank's cash account."""
    return _cash(transfers.withdraw)


@operation(
    bp,
    "GET",
    "/admin/audit",
    summary="Read the audit trail",
    tag="admin",
    permission=Permission.READ_AUDIT,
    query=PageQuery,
    responses={200: AuditPageOut},
)
def list_audit():
    """Audit events, newest first, in keyset pages."""
    query = parse_query(PageQuery)
    page = audit.list_events(db, limit=query.limit, before_id=decode_cursor(query.cursor))
    next_cursor = encode_cursor(page.next_before_id) if page.next_before_id else None
    return {"items": [audit_event_out(event) for event in page.items], "next_cursor": next_cursor}, 200


def _set_status(user_id: int, status: str):
    auth.set_status(db, user_id=user_id, status=status, actor_id=current_user().id, client_ip=request.remote_addr)
    return admin_user_out(users.get(db, user_id=user_id)), 200


@operation(
    bp,
    "POST",
    "/admin/users/{user_id}/disable",
    summary="Disable a user",
    tag="admin",
    permission=Permission.MANAGE_USERS,
    path_params=_USER_ID,
    responses={200: AdminUserOut, 409: PROBLEM},
)
def disable_user(user_id: int):
    """Stop a user from logging in; every token they hold stops working at once. Not one's own account (409)."""
    return _set_status(user_id, "disabled")


@operation(
    bp,
    "POST",
    "/admin/users/{user_id}/enable",
    summary="Re-enable a user",
    tag="admin",
    permission=Permission.MANAGE_USERS,
    path_params=_USER_ID,
    responses={200: AdminUserOut},
)
def enable_user(user_id: int):
    """Let a disabled user log in again."""
    return _set_status(user_id, "active")
