"""Back-office page access: visitors log in first; a role without the permission gets a friendly 403 page."""

import functools

from ..guards import require_permission
from ..security.permissions import Permission, allows, is_staff
from . import bp
from .guard import login_required


@bp.app_template_global("is_staff")
def staff(user) -> bool:
    """Whether the user works for the bank: pages show them the back office's menu."""
    return user is not None and is_staff(user.role)


_STAFF_MENU = (
    ("web.admin_home", "Back office", Permission.READ_CUSTOMERS),
    ("web.admin_cash", "Cash", Permission.MOVE_CASH),
    ("web.admin_audit", "Audit trail", Permission.READ_AUDIT),
)


@bp.app_template_global("staff_menu")
def staff_menu(user) -> list[tuple[str, str]]:
    """The back office's menu entries this member of staff may open."""
    return [(endpoint, label) for endpoint, label, needed in _STAFF_MENU if allows(user.role, needed)]


def home_endpoint(user) -> str:
    """Where a login lands: staff on the back office, customers on their accounts."""
    return "web.admin_home" if staff(user) else "web.dashboard"


def staff_page(permission: Permission):
    """Decorate a back-office view that needs ``permission`` (checked by the one guard, guards.require_permission)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            require_permission(permission)
            return view(*args, **kwargs)

        return login_required(wrapper)

    return decorate
