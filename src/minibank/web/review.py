"""The transfer being checked and confirmed, kept in the session between the form and its receipt.

The form's POST answers 303 to Check and confirm (post/redirect/get), so that Back from the
receipt finds a page to load again instead of a form to send again; once the transfer is sent,
that page leads to its receipt.
"""

from dataclasses import dataclass

from flask import session

from ..domain.payees import NameCheck
from .forms import TransferForm

_KEY = "transfer_review"


@dataclass(frozen=True, slots=True)
class Review:
    """What the customer is asked to confirm, or, once it is sent, which receipt to show."""

    fields: dict
    minor: int | None
    name_check: NameCheck | None
    receipt: int | None


def keep(form: TransferForm, *, minor: int, name_check: NameCheck | None) -> None:
    """Remember a checked transfer form (it replaces any earlier one)."""
    fields = {f.name: f.data for f in (form.source, form.destination, form.amount, form.memo, form.payee_name)}
    check = [name_check.outcome, name_check.held_name] if name_check else None
    session[_KEY] = {
        "fields": {**fields, "token": form.token.data, "save_payee": bool(form.save_payee.data)},
        "minor": minor,
        "check": check,
    }


def sent(token: str, transfer_id: int) -> None:
    """The transfer of the form with ``token`` is made: its confirmation now leads to the receipt."""
    kept = session.get(_KEY)
    if isinstance(kept, dict) and kept.get("fields", {}).get("token") == token:
        session[_KEY] = {"receipt": transfer_id}


def current() -> Review | None:
    """The transfer in review, if there is one."""
    kept = session.get(_KEY)
    if not isinstance(kept, dict):
        return None
    check = kept.get("check")
    return Review(
        fields=kept.get("fields") or {},
        minor=kept.get("minor"),
        name_check=NameCheck(*check) if check else None,
        receipt=kept.get("receipt"),
    )


def fill(form: TransferForm, review: Review) -> None:
    """Put the reviewed values back into a fresh transfer form, as Check and confirm shows them."""
    for f in form:
        if f.name in review.fields:
            f.data = review.fields[f.name]
    form.amount.minor = review.minor
