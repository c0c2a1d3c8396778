"""API payees: save, rename, delete and list them; confirmation of payee on its own (rate-limited)."""

import re

from flask import request

from ..domain.accounts import normalize_number
from ..domain.errors import NotFound
from ..extensions import PAYEE_CHECKS, db, limit_per_user, payee_check_rate
from ..guards import current_user
from ..services import payees
from . import bp
from .body import parse_json
from .params import NameCheckQuery, parse_query
from .registry import PROBLEM, operation
from .schemas import NameCheckOut, PayeeIn, PayeeList, PayeeOut, PayeeRenameIn

# Digits in the path, read by the view: PATCH and DELETE share the path, and Werkzeug answers 405,
# not 404, when a bounded int converter refuses an id for one method while the other's rule matches.
_ID_PATTERN = "^[1-9][0-9]{0,18}$"
PAYEE_ID = {"type": "string", "pattern": _ID_PATTERN, "examples": ["7"]}


def _payee_id(text: str) -> int:
    if not re.fullmatch(_ID_PATTERN, text) or int(text) > payees.MAX_ID:
        raise NotFound("No such payee.")
    return int(text)


def payee_out(payee) -> dict:
    """A payee as the API shows it."""
    return PayeeOut(
        id=payee.id,
        name=payee.name,
        account_number=payee.account_number,
        name_check=payee.name_check,
        created_at=payee.created_at,
    ).model_dump(mode="json")


@operation(bp, "GET", "/payees", summary="List my payees", tag="payees", responses={200: PayeeList})
def list_payees():
    """The caller's payees, by name."""
    return {"items": [payee_out(p) for p in payees.list_for_owner(db, owner_id=current_user().id)]}, 200


@operation(
    bp, "POST", "/payees", summary="Save a payee", tag="payees", body=PayeeIn,
    responses={201: PayeeOut, 409: PROBLEM, 429: PROBLEM},
)  # fmt: skip
@limit_per_user(payee_check_rate, shared=PAYEE_CHECKS)
def add_payee():
    """Save a payee. A name that is not a match is refused (422 name_not_confirmed, with the check's
    result; a close match shows the holder's name) unless ``confirmed`` is true."""
    data = parse_json(PayeeIn)
    payee, _ = payees.add(
        db,
        owner_id=current_user().id,
        name=data.name,
        number=normalize_number(data.account_number),
        confirmed=data.confirmed,
        client_ip=request.remote_addr,
    )
    return payee_out(payee), 201


@operation(
    bp, "PATCH", "/payees/{payee_id}", summary="Rename a payee", tag="payees", body=PayeeRenameIn,
    path_params={"payee_id": PAYEE_ID}, responses={200: PayeeOut, 404: PROBLEM, 429: PROBLEM},
)  # fmt: skip
@limit_per_user(payee_check_rate, shared=PAYEE_CHECKS)
def rename_payee(payee_id: str):
    """Give a payee another name; confirmed against the holder's as when it was saved."""
    data = parse_json(PayeeRenameIn)
    payee, _ = payees.rename(
        db,
        owner_id=current_user().id,
        payee_id=_payee_id(payee_id),
        name=data.name,
        confirmed=data.confirmed,
        client_ip=request.remote_addr,
    )
    return payee_out(payee), 200


@operation(
    bp, "DELETE", "/payees/{payee_id}", summary="Delete a payee", tag="payees",
    path_params={"payee_id": PAYEE_ID}, responses={204: None, 404: PROBLEM},
)  # fmt: skip
def delete_payee(payee_id: str):
    """Forget one of the caller's payees (transfers already made stay as they are)."""
    payees.remove(db, owner_id=current_user().id, payee_id=_payee_id(payee_id), client_ip=request.remote_addr)
    return "", 204


@operation(
    bp, "GET", "/confirmation-of-payee", summary="Confirm a payee's name", tag="payees", query=NameCheckQuery,
    responses={200: NameCheckOut, 429: PROBLEM},
)  # fmt: skip
@limit_per_user(payee_check_rate, shared=PAYEE_CHECKS)
def check_payee():
    """Confirmation of payee before paying a typed number: match, close_match (with the held name) or no_match.

    Rate-limited per customer (MINIBANK_RATELIMIT_PAYEE_CHECK), so that names cannot be harvested.
    """
    data = parse_query(NameCheckQuery)
    check = payees.confirm_name(db, number=normalize_number(data.account_number), name=data.name)
    return NameCheckOut(result=check.outcome, held_name=check.held_name).model_dump(mode="json"), 200
