"""API transfers: move money (idempotently) and read a transfer one is party to."""

from flask import request

from ..domain.accounts import normalize_number
from ..domain.money import parse_amount
from ..extensions import db, limit_per_user, transfer_limits, transfer_rate
from ..guards import current_user, require_token, require_verified_email
from ..services import transfers
from . import bp
from .body import parse_json
from .idempotency import created, idempotency_key
from .registry import PROBLEM, operation
from .schemas import TransferIn, TransferOut
from .shapes import transfer_out


@operation(
    bp,
    "POST",
    "/transfers",
    summary="Send money",
    tag="transfers",
    body=TransferIn,
    idempotent=True,
    session_checked_by_service=True,
    responses={201: TransferOut, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM},
)
@limit_per_user(transfer_rate)
def create_transfer():
    """Move money from one of the caller's accounts to any open account in the bank.

    With an Idempotency-Key, a retry answers with the first result (and
    Idempotent-Replayed: true) instead of moving the money again.
    """
    session = require_token()
    data = parse_json(TransferIn)
    require_verified_email(session.user_id)
    key = idempotency_key()
    amount = parse_amount(data.amount)
    # The session (revoked? disabled? outdated?) is checked in the transfer's own
    # transaction, in the statement that locks the customer: one round trip fewer.
    result = transfers.transfer(
        db,
        actor_id=session.user_id,
        session=session,
        source=normalize_number(data.from_account),
        destination=normalize_number(data.to_account),
        amount=amount,
        memo=data.memo,
        idempotency_key=key,
        limits=transfer_limits(),
        client_ip=request.remote_addr,
    )
    return created(transfer_out(result.transfer), replayed=result.replayed)


@operation(
    bp,
    "GET",
    "/transfers/{transfer_id}",
    summary="Read a transfer",
    tag="transfers",
    path_params={"transfer_id": {"type": "integer"}},
    responses={200: TransferOut},
)
def get_transfer(transfer_id: int):
    """A transfer the caller sent or received; anyone else's is 404, exactly like a missing one."""
    return transfer_out(transfers.get_for_party(db, transfer_id=transfer_id, user_id=current_user().id)), 200
