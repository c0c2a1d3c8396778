"""Transfer batches: up to a thousand of a customer's transfers in one order, all or none, or each on its own."""

import hashlib
from dataclasses import dataclass

import orjson
import structlog
from sqlalchemy import select

from ..db import Database
from ..domain.batches import MAX_ITEMS, MODES, BatchOrder, BatchRecord
from ..domain.errors import BankError, InvalidInput, NotFound
from ..domain.moves import TRANSFER, Move, Session, TransferRecord
from ..domain.transfers import Limits
from ..metrics import TRANSFERRED, TRANSFERS
from ..models import transfer_batches
from ..security.tokens import Claims
from ..store.batch_rows import record_from
from .transfers import IDEMPOTENCY_KEY_MAX, MAX_ID, checked

log = structlog.get_logger("minibank.batches")


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One transfer of a batch, as the customer asked for it."""

    source: str
    destination: str
    amount: int
    memo: str = ""
    refused: BankError | None = None  # malformed (an amount that is none): refused as a single transfer would be


def submit(
    db: Database,
    *,
    actor_id: int,
    mode: str,
    items: list[BatchItem],
    idempotency_key: str,
    limits: Limits = Limits(),
    client_ip: str | None = None,
    session: Claims | None = None,
) -> tuple[BatchRecord, bool]:
    """Send ``items`` from the actor's accounts as one batch: its record, and whether it replays an earlier one.

    Each item is judged by the same rule as a single transfer, against the balances and
    limits the items before it left. Raises BatchRefused (with each item's reason) when
    nothing moved; an atomic batch moves nothing unless every item may move.
    """
    if mode not in MODES:
        raise InvalidInput("The mode is atomic or independent.", field="mode")
    if not 0 < len(items) <= MAX_ITEMS:
        raise InvalidInput(f"A batch holds 1 to {MAX_ITEMS} transfers.", field="transfers")
    if not 0 < len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
        raise InvalidInput(f"Idempotency keys are 1 to {IDEMPOTENCY_KEY_MAX} characters.")
    token = Session(session.jti, session.version, session.session_key) if session else None
    moves = tuple(
        checked(
            Move(
                kind=TRANSFER,
                actor_id=actor_id,
                source=item.source,
                destination=item.destination,
                amount=item.amount,
                memo=item.memo,
                client_ip=client_ip,
                limits=limits,
                session=token,
                refused=item.refused,
            )
        )
        for item in items
    )
    order = BatchOrder(
        owner_id=actor_id,
        key=idempotency_key,
        request_hash=_request_hash(mode, moves),
        mode=mode,
        moves=moves,
        client_ip=client_ip,
    )
    try:
        record, replayed = db.ledger.submit(order)
    except BankError as refusal:
        TRANSFERS.labels("batch", refusal.code).inc()
        log.info("batch.refused", code=refusal.code, actor_id=actor_id, mode=mode, items=len(items))
        raise
    outcome = "replayed" if replayed else record.status
    TRANSFERS.labels("batch", outcome).inc()
    if not replayed:
        moved: dict[str, int] = {}
        for item in record.items:
            if isinstance(item, TransferRecord):
                moved[item.currency] = moved.get(item.currency, 0) + item.amount
        for currency, amount in moved.items():
            TRANSFERRED.labels(currency).inc(amount)
    log.info(
        f"batch.{outcome}", batch_id=record.id, actor_id=actor_id, mode=mode, items=len(items), accepted=record.accepted
    )
    return record, replayed


def get_for_owner(db: Database, *, batch_id: int, owner_id: int) -> BatchRecord:
    """A batch the owner sent; anyone else's is NotFound, like a missing one."""
    if not 0 < batch_id <= MAX_ID:
        raise NotFound("No such batch.")
    t = transfer_batches.c
    row = db.read(
        lambda conn: conn.execute(
            select(t.request_hash, t.id, t.mode, t.status, t.created_at, t.results).where(
                t.id == batch_id, t.owner_id == owner_id
            )
        ).first()
    )
    if row is None:
        raise NotFound("No such batch.")
    return record_from(row, owner_id=owner_id)[1]


def _request_hash(mode: str, moves: tuple[Move, ...]) -> str:
    """What makes a retry the same batch: its mode and every item, in order (a malformed item by its input)."""
    canonical = orjson.dumps([mode, [[m.source, m.destination, m.amount, m.memo] for m in moves]])
    return hashlib.sha256(canonical).hexdigest()
