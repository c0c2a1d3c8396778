"""API transfer batches: up to a thousand transfers in one request, all or none, or each on its own."""

from flask import current_app, request

from ..domain.accounts import normalize_number
from ..domain.batches import BatchRefused, ItemRefusal
from ..domain.errors import BankError, InvalidInput
from ..domain.money import parse_amount
from ..errors import error_response, status_for_code
from ..extensions import batch_rate, db, limit_per_user, transfer_limits
from ..guards import current_user, require_token, require_verified_email
from ..services import batches
from . import bp
from .body import parse_json
from .idempotency import KEY_HEADER, created, idempotency_key
from .registry import PROBLEM, operation
from .schemas import TransferBatchIn, TransferBatchOut
from .shapes import api_time, transfer_out


@operation(
    bp,
    "POST",
    "/transfer-batches",
    summary="Send a batch of transfers",
    tag="transfers",
    body=TransferBatchIn,
    idempotent=True,
    idempotency_required=True,
    session_checked_by_service=True,
    responses={201: TransferBatchOut, 403: PROBLEM, 409: PROBLEM},
)
@limit_per_user(batch_rate)
def create_batch():
    """Up to 1,000 transfers from the caller's accounts, each judged like a single transfer.

    Mode `atomic` moves all of them or none; `independent` moves each that may move. The
    answer lists each transfer's result in request order. The Idempotency-Key is
    required: a retry answers with the stored batch (and Idempotent-Replayed: true). A
    batch that moved nothing is 422 `batch_refused`, with each item's reason in `items`,
    and keeps nothing: it may be sent again, under the same key, once the reason is gone.
    """
    session = require_token()
    request.max_content_length = current_app.config["MAX_BATCH_BODY_BYTES"]
    data = parse_json(TransferBatchIn)
    require_verified_email(session.user_id)
    key = idempotency_key()
    if key is None:
        raise InvalidInput("A batch needs an Idempotency-Key, so that a retry cannot send it twice.", field=KEY_HEADER)
    items = [_item(transfer) for transfer in data.transfers]
    try:
        record, replayed = batches.submit(
            db,
            actor_id=session.user_id,
            session=session,
            mode=data.mode,
            items=items,
            idempotency_key=key,
            limits=transfer_limits(),
            client_ip=request.remote_addr,
        )
    except BatchRefused as refused:
        return error_response(
            422,
            code=refused.code,
            detail=refused.detail,
            extra={"items": [_item_out(index, item) for index, item in enumerate(refused.items)]},
        )
    return created(batch_out(record), replayed=replayed)


@operation(
    bp,
    "GET",
    "/transfer-batches/{batch_id}",
    summary="Read a batch of transfers",
    tag="transfers",
    path_params={"batch_id": {"type": "integer"}},
    responses={200: TransferBatchOut},
)
def get_batch(batch_id: int):
    """A batch the caller sent, with every item's result; anyone else's is 404, like a missing one."""
    return batch_out(batches.get_for_owner(db, batch_id=batch_id, owner_id=current_user().id)), 200


def _item(transfer) -> batches.BatchItem:
    source, destination = normalize_number(transfer.from_account), normalize_number(transfer.to_account)
    try:
        amount, refused = parse_amount(transfer.amount), None
    except BankError as error:
        amount, refused = 0, error
    return batches.BatchItem(source, destination, amount, transfer.memo, refused)


def batch_out(record) -> dict:
    """A batch as the API shows it."""
    created_at = api_time(record.created_at)
    shared = {record.created_at: created_at}  # the batch's transfers are made at its time: written once
    items = [_item_out(index, item, shared) for index, item in enumerate(record.items)]
    moved = record.accepted
    return {
        "id": record.id,
        "mode": record.mode,
        "status": record.status,
        "moved": moved,
        "refused": len(items) - moved,
        "created_at": created_at,
        "items": items,
    }


def _item_out(index: int, item, times: dict | None = None) -> dict:
    if isinstance(item, ItemRefusal):
        problem = {"code": item.code, "status": status_for_code(item.code), "detail": item.detail, "field": item.field}
        return {"index": index, "status": "refused", "transfer": None, "problem": problem}
    shown = transfer_out(item, times.get(item.created_at) if times else None)
    return {"index": index, "status": "moved", "transfer": shown, "problem": None}
