"""Moving money: customer transfers and teller deposits and withdrawals."""

import hashlib
import json
from dataclasses import dataclass, replace

import structlog
from sqlalchemy import Connection, select

from ..db import Database
from ..domain.accounts import is_valid_number, mask_number
from ..domain.errors import AccountNotFound, BankError, Forbidden, InvalidAmount, InvalidInput, NotFound
from ..domain.money import MAX_MINOR
from ..domain.moves import Move, Refused, Session, TransferRecord
from ..domain.transfers import Limits, check_memo
from ..metrics import TRANSFERRED, TRANSFERS
from ..models import accounts
from ..security.tokens import Claims
from ..store import reads
from .accounts import cash_account_number

log = structlog.get_logger("minibank.transfers")

IDEMPOTENCY_KEY_MAX = 255
MAX_ID = 2**63 - 1  # ids are BIGINT: beyond this nothing can exist


@dataclass(frozen=True, slots=True)
class TransferResult:
    """A committed transfer, and whether it is the stored answer to an earlier request."""

    transfer: TransferRecord
    replayed: bool = False


def transfer(
    db: Database,
    *,
    actor_id: int,
    source: str,
    destination: str,
    amount: int,
    memo: str = "",
    idempotency_key: str | None = None,
    limits: Limits = Limits(),
    client_ip: str | None = None,
    session: Claims | None = None,
) -> TransferResult:
    """Move ``amount`` from the actor's account ``source`` to any open account ``destination``.

    With ``session`` (a verified token's claims) the session is also checked, under the
    customer's lock, and a revoked, outdated or disabled one is refused as Unauthenticated.
    """
    return _move(
        db,
        kind="transfer",
        actor_id=actor_id,
        source=source,
        destination=destination,
        amount=amount,
        memo=memo,
        idempotency_key=idempotency_key,
        limits=limits,
        client_ip=client_ip,
        session=session,
    )


def check_transfer(
    db: Database,
    *,
    actor_id: int,
    source: str,
    destination: str,
    amount: int,
    memo: str = "",
    limits: Limits = Limits(),
) -> None:
    """The confirm step's check: raise the refusal the transfer would meet now, moving nothing.

    The same rule, on the same facts (read without locks), as the transfer itself; the money
    may still be refused at confirmation if the facts change meanwhile.
    """
    move = checked(
        Move(
            kind="transfer",
            actor_id=actor_id,
            source=source,
            destination=destination,
            amount=amount,
            memo=memo,
            limits=limits,
        )
    )
    decision = db.ledger.check(move)
    if isinstance(decision, Refused):
        raise decision.error


def deposit(
    db: Database,
    *,
    account: str,
    amount: int,
    memo: str = "",
    actor_id: int | None = None,
    idempotency_key: str | None = None,
    client_ip: str | None = None,
) -> TransferResult:
    """Cash in: move money from the bank's cash account into a customer account."""
    return _teller_move(db, "deposit", account, amount, memo, actor_id, idempotency_key, client_ip)


def withdraw(
    db: Database,
    *,
    account: str,
    amount: int,
    memo: str = "",
    actor_id: int | None = None,
    idempotency_key: str | None = None,
    client_ip: str | None = None,
) -> TransferResult:
    """Cash out: move money from a customer account to the bank's cash account."""
    return _teller_move(db, "withdrawal", account, amount, memo, actor_id, idempotency_key, client_ip)


def get_for_party(db: Database, *, transfer_id: int, user_id: int) -> TransferRecord:
    """A transfer the user sent or received; anyone else's is NotFound."""
    if not 0 < transfer_id <= MAX_ID:
        raise NotFound("No such transfer.")
    record = db.read(lambda conn: reads.transfer(conn, transfer_id))
    if record is None or user_id not in (record.source_owner, record.destination_owner):
        raise NotFound("No such transfer.")
    return record


def get(db: Database, *, transfer_id: int) -> TransferRecord:
    """Any transfer, for staff who may read customers' money (the back office's receipts)."""
    record = db.read(lambda conn: reads.transfer(conn, transfer_id)) if 0 < transfer_id <= MAX_ID else None
    if record is None:
        raise NotFound("No such transfer.")
    return record


def _teller_move(db, kind, account, amount, memo, actor_id, idempotency_key, client_ip):
    cash, owner_id = db.read(lambda conn: _cash_for(conn, account)) if is_valid_number(account) else (None, None)
    source, destination = (cash or "", account) if kind == "deposit" else (account, cash or "")
    refused: BankError | None = None if cash else AccountNotFound(field="account")
    if cash and actor_id is not None and owner_id == actor_id:
        # Staff never move cash through the bank's till on an account of their own.
        refused = Forbidden("Staff cannot pay cash in or out of an account of their own; ask a colleague.")
    return _move(
        db,
        kind=kind,
        actor_id=actor_id,
        source=source,
        destination=destination,
        amount=amount,
        memo=memo,
        idempotency_key=idempotency_key,
        limits=Limits(),
        client_ip=client_ip,
        refused=refused,
    )


def _cash_for(conn: Connection, number: str) -> tuple[str | None, int | None]:
    """The number of the cash account in the currency of account ``number``, and who holds ``number``."""
    row = conn.execute(select(accounts.c.currency, accounts.c.owner_id).where(accounts.c.number == number)).first()
    return (cash_account_number(conn, row.currency), row.owner_id) if row else (None, None)


def _move(
    db: Database,
    *,
    kind: str,
    actor_id: int | None,
    source: str,
    destination: str,
    amount: int,
    memo: str,
    idempotency_key: str | None,
    limits: Limits,
    client_ip: str | None,
    session: Claims | None = None,
    refused: BankError | None = None,
) -> TransferResult:
    move = checked(
        Move(
            kind=kind,
            actor_id=actor_id,
            source=source,
            destination=destination,
            amount=amount,
            memo=memo,
            key=idempotency_key,
            client_ip=client_ip,
            limits=limits,
            session=Session(session.jti, session.version, session.session_key) if session else None,
            refused=refused,
        )
    )
    try:
        record, replayed = db.ledger.submit(move)
    except BankError as refusal:
        TRANSFERS.labels(kind, refusal.code).inc()
        log.info(
            f"{kind}.refused",
            code=refusal.code,
            actor_id=actor_id,
            account=mask_number(move.account),
            counterparty=mask_number(move.other),
        )
        raise
    outcome = "replayed" if replayed else "ok"
    TRANSFERS.labels(kind, outcome).inc()
    if not replayed:
        TRANSFERRED.labels(record.currency).inc(amount)
    log.info(
        f"{kind}.{outcome}",
        transfer_id=record.id,
        actor_id=actor_id,
        source=mask_number(record.source),
        destination=mask_number(record.destination),
        amount=amount,
        currency=record.currency,
    )
    return TransferResult(record, replayed)


def checked(move: Move) -> Move:
    """The move with its memo trimmed and its request hash, or refused as malformed (still recorded)."""
    if move.refused is not None:
        return move
    try:
        if isinstance(move.amount, bool) or not isinstance(move.amount, int) or not 0 < move.amount <= MAX_MINOR:
            raise InvalidAmount()
        memo = check_memo(move.memo)
        if move.key is not None and not 0 < len(move.key) <= IDEMPOTENCY_KEY_MAX:
            raise InvalidInput(f"Idempotency keys are 1 to {IDEMPOTENCY_KEY_MAX} characters.")
    except BankError as error:
        return replace(move, refused=error)
    if move.key is None:
        return move if memo == move.memo else replace(move, memo=memo)
    return replace(
        move, memo=memo, request_hash=_request_hash(move.kind, move.source, move.destination, move.amount, memo)
    )


def _request_hash(kind: str, source: str, destination: str, amount: int, memo: str) -> str:
    canonical = json.dumps([kind, source, destination, amount, memo], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
