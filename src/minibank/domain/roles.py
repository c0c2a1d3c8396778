"""Roles: customers, and the bank's own staff (every other role)."""

CUSTOMER = "customer"


def is_staff(role: str) -> bool:
    """Whether the role is one of the bank's staff (teller, supervisor, auditor, admin...): anything but customer."""
    return role != CUSTOMER


def second_factor_required(role: str, *, production: bool) -> bool:
    """Whether a user of this role must have a second factor: staff, in production."""
    return production and is_staff(role)
