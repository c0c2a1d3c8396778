"""Roles and what each may do: the one table every staff page and endpoint is checked against."""

from enum import StrEnum


class Permission(StrEnum):
    """One thing a member of staff may do in the back office."""

    READ_CUSTOMERS = "customers.read"  # find customers, read their profile, accounts and history
    MOVE_CASH = "cash.move"  # pay cash in and out at the counter
    FREEZE_ACCOUNTS = "accounts.freeze"  # freeze and unfreeze an account
    CLOSE_ACCOUNTS = "accounts.close"  # close an empty account
    MANAGE_USERS = "users.manage"  # disable and enable users, end their sessions
    READ_AUDIT = "audit.read"  # the audit trail and the chain's state


CUSTOMER = "customer"
TELLER = "teller"
SUPERVISOR = "supervisor"
AUDITOR = "auditor"

_TELLER = frozenset({Permission.READ_CUSTOMERS, Permission.MOVE_CASH})

PERMISSIONS: dict[str, frozenset[Permission]] = {
    CUSTOMER: frozenset(),
    TELLER: _TELLER,
    SUPERVISOR: _TELLER
    | {Permission.FREEZE_ACCOUNTS, Permission.CLOSE_ACCOUNTS, Permission.MANAGE_USERS, Permission.READ_AUDIT},
    # Reads everything a supervisor reads and changes nothing.
    AUDITOR: frozenset({Permission.READ_CUSTOMERS, Permission.READ_AUDIT}),
}

ROLES = tuple(PERMISSIONS)
# Every role but customer is staff (two-factor login and the back office both rely on this).
STAFF_ROLES = tuple(role for role in ROLES if role != CUSTOMER)


def is_staff(role: str) -> bool:
    """Whether a user of this role works for the bank (any role other than customer)."""
    return role in STAFF_ROLES


def second_factor_required(role: str, *, production: bool) -> bool:
    """Whether a user of this role must have a second factor: staff, in production."""
    return production and is_staff(role)


def allows(role: str, permission: Permission) -> bool:
    """Whether the role holds the permission (an unknown role holds none)."""
    return permission in PERMISSIONS.get(role, frozenset())


def permissions_of(role: str) -> frozenset[Permission]:
    """Every permission the role holds."""
    return PERMISSIONS.get(role, frozenset())
