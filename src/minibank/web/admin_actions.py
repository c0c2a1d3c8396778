"""The back office's buttons: freeze, unfreeze and close an account; disable, enable a user, end their sessions.

Each is a POST form with a CSRF token; it answers 303 back to the customer's page with what was done,
or with why it was refused (post/redirect/get), and changes nothing when refused.
"""

from flask import flash, request

from ..domain.accounts import normalize_number
from ..domain.errors import BankError
from ..extensions import db
from ..guards import current_user
from ..security.permissions import Permission
from ..services import auth, customers, staff
from . import bp
from .admin_guard import staff_page
from .auth import see_other
from .filters import account_number_filter
from .forms import ButtonForm

_ACCOUNT_ACTIONS = {
    "freeze": (staff.freeze, "is frozen: it receives money but cannot send any"),
    "unfreeze": (staff.unfreeze, "can send money again"),
    "close": (staff.close, "is closed"),
}


def _back_to(user_id: int):
    return see_other("web.admin_customer", user_id=user_id)


def _account_action(number: str, action: str):
    ButtonForm().validate_on_submit()  # CSRFProtect has already refused a missing or foreign token
    number = normalize_number(number)
    owner_id = customers.owner_of(db, number=number)
    change, done = _ACCOUNT_ACTIONS[action]
    try:
        change(db, number=number, actor_id=current_user().id, client_ip=request.remote_addr)
    except BankError as refusal:
        flash(f"Account {account_number_filter(number)} was not changed: {refusal.detail}", "error")
    else:
        flash(f"Account {account_number_filter(number)} {done}.", "success")
    return _back_to(owner_id)


@bp.post("/admin/accounts/<number>/freeze")
@staff_page(Permission.FREEZE_ACCOUNTS)
def admin_freeze(number: str):
    """Freeze an account: it still receives money but cannot send any."""
    return _account_action(number, "freeze")


@bp.post("/admin/accounts/<number>/unfreeze")
@staff_page(Permission.FREEZE_ACCOUNTS)
def admin_unfreeze(number: str):
    """Let a frozen account send money again."""
    return _account_action(number, "unfreeze")


@bp.post("/admin/accounts/<number>/close")
@staff_page(Permission.CLOSE_ACCOUNTS)
def admin_close(number: str):
    """Close an account that holds no money."""
    return _account_action(number, "close")


def _user_action(user_id: int, change, done: str):
    ButtonForm().validate_on_submit()
    customer = customers.get(db, user_id=user_id)  # staff logins are not managed from a customer's page
    try:
        change()
    except BankError as refusal:
        flash(f"{customer.user.name} was not changed: {refusal.detail}", "error")
    else:
        flash(f"{customer.user.name} {done}.", "success")
    return _back_to(user_id)


def _set_status(user_id: int, status: str) -> None:
    auth.set_status(db, user_id=user_id, status=status, actor_id=current_user().id, client_ip=request.remote_addr)


@bp.post("/admin/customers/<int(max=9223372036854775807):user_id>/disable")
@staff_page(Permission.MANAGE_USERS)
def admin_disable(user_id: int):
    """Disable a customer's login; every session they hold ends at once."""
    return _user_action(user_id, lambda: _set_status(user_id, "disabled"), "is disabled and logged out everywhere")


@bp.post("/admin/customers/<int(max=9223372036854775807):user_id>/enable")
@staff_page(Permission.MANAGE_USERS)
def admin_enable(user_id: int):
    """Let a disabled customer log in again."""
    return _user_action(user_id, lambda: _set_status(user_id, "active"), "can log in again")


@bp.post("/admin/customers/<int(max=9223372036854775807):user_id>/end-sessions")
@staff_page(Permission.MANAGE_USERS)
def admin_end_sessions(user_id: int):
    """Log a customer out everywhere, without disabling them."""

    def end() -> None:
        staff.end_sessions(db, user_id=user_id, actor_id=current_user().id, client_ip=request.remote_addr)

    return _user_action(user_id, end, "is logged out everywhere")
