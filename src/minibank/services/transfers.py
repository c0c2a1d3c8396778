"""Moving money: customer transfers and teller deposits and withdrawals."""

import hashlib
import json
from dataclasses import dataclass

import structlog
from sqlalchemy import Connection, select

from ..db import Database
from ..domain.accounts import is_valid_number, mask_number
from ..domain.errors import (
    AccountNotFound,
    IdempotencyKeyReused,
    InvalidAmount,
    InvalidInput,
    NotFound,
)
from ..domain.money import MAX_MINOR
from ..domain.transfers import Limits, check_memo, check_transfer
from ..models import accounts, utcnow
from ..ops.metrics import TRANSFERRED, TRANSFERS
from ..ops.sqlite_writer import WriterUnavailable
from . import ledger_store, refusals
from .accounts import cash_account_number
from .ledger_store import TransferRecord
from ..security.tokens import Claims

log = structlog.get_logger("minibank.transfers")

IDEMPOTENCY_KEY_MAX = 255
MAX_ID = 2**63 - 1  # ids are BIGINT: beyond this nothing can exist
_IDEMPOTENCY_RACE = ("uq_transfers_idempotency", "transfers.initiator_id, transfers.idempotency_key")


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
        initiator_id=actor_id,
        rule_actor=actor_id,
        source=source,
        destination=destination,
        amount=amount,
        memo=memo,
        idempotency_key=idempotency_key,
        limits=limits,
        client_ip=client_ip,
        session=session,
    )


def deposit(
    db: Database,
    *,
    account: str,
    amount: int,
    memo: str = "",
    teller_id: int | None = None,
    idempotency_key: str | None = None,
    client_ip: str | None = None,
) -> TransferResult:
    """Cash in: move money from the bank's cash account into a customer account."""
    return _teller_move(db, "deposit", account, amount, memo, teller_id, idempotency_key, client_ip)


def withdraw(
    db: Database,
    *,
    account: str,
    amount: int,
    memo: str = "",
    teller_id: int | None = None,
    idempotency_key: str | None = None,
    client_ip: str | None = None,
) -> TransferResult:
    """Cash out: move money from a customer account to the bank's cash account."""
    return _teller_move(db, "withdrawal", account, amount, memo, teller_id, idempotency_key, client_ip)


def get_for_party(db: Database, *, transfer_id: int, user_id: int) -> TransferRecord:
    """A transfer the user sent or received; anyone else's is NotFound."""
    if not 0 < transfer_id <= MAX_ID:
        raise NotFound("No such transfer.")
    record = db.read_raw(lambda conn, dialect: ledger_store.get_transfer(conn, dialect, transfer_id))
    if record is None or user_id not in (record.source_owner, record.destination_owner):
        raise NotFound("No such transfer.")
    return record


def _teller_move(db, kind, account, amount, memo, teller_id, idempotency_key, client_ip):
    with refusals.recorded(
        db, kind=kind, actor_id=teller_id, account=account, other=None, amount=amount, client_ip=client_ip
    ):
        cash = db.read(lambda conn: _cash_for(conn, account)) if is_valid_number(account) else None
        if cash is None:
            raise AccountNotFound(field="account")
    source, destination = (cash, account) if kind == "deposit" else (account, cash)
    return _move(
        db,
        kind=kind,
        initiator_id=teller_id,
        rule_actor=None,
        source=source,
        destination=destination,
        amount=amount,
        memo=memo,
        idempotency_key=idempotency_key,
        limits=Limits(),
        client_ip=client_ip,
    )


def _cash_for(conn: Connection, number: str) -> str | None:
    """The number of the cash account in the currency of account ``number``."""
    currency = conn.execute(select(accounts.c.currency).where(accounts.c.number == number)).scalar()
    return cash_account_number(conn, currency) if currency else None


def _move(
    db: Database,
    *,
    kind: str,
    initiator_id: int | None,
    rule_actor: int | None,
    source: str,
    destination: str,
    amount: int,
    memo: str,
    idempotency_key: str | None,
    limits: Limits,
    client_ip: str | None,
    session: Claims | None = None,
) -> TransferResult:
    account, other = (destination, source) if kind == "deposit" else (source, destination)
    with refusals.recorded(
        db, kind=kind, actor_id=initiator_id, account=account, other=other, amount=amount, client_ip=client_ip
    ):
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_MINOR:
            raise InvalidAmount()
        memo = check_memo(memo)
        if idempotency_key is not None and not 0 < len(idempotency_key) <= IDEMPOTENCY_KEY_MAX:
            raise InvalidInput(f"Idempotency keys are 1 to {IDEMPOTENCY_KEY_MAX} characters.")
        request_hash = _request_hash(kind, source, destination, amount, memo) if idempotency_key else None

        def work(conn, dialect: str) -> TransferResult:
            daily = rule_actor is not None and limits.daily is not None
            snapshot = ledger_store.read_for_move(
                conn,
                dialect,
                a=source,
                b=destination,
                lock_user_id=rule_actor,
                session=session,
                initiator_id=initiator_id,
                key=idempotency_key,
                sent_since=ledger_store.daily_window_start(utcnow()) if daily else None,
            )
            if snapshot.stored is not None:
                # Read under the account locks: a concurrent twin has committed by now.
                if snapshot.stored[1] != request_hash:
                    raise IdempotencyKeyReused()
                return TransferResult(ledger_store.get_transfer(conn, dialect, snapshot.stored[0]), replayed=True)
            source_state = snapshot.accounts.get(source) if is_valid_number(source) else None
            destination_state = snapshot.accounts.get(destination) if is_valid_number(destination) else None
            check_transfer(
                actor_id=rule_actor,
                source=source_state,
                destination=destination_state,
                amount=amount,
                limits=limits,
                sent_last_24h=snapshot.sent_last_24h,
            )
            return TransferResult(
                ledger_store.write_move(
                    conn,
                    dialect,
                    kind=kind,
                    source=source_state,
                    destination=destination_state,
                    numbers=(source, destination),
                    amount=amount,
                    memo=memo,
                    initiator_id=initiator_id,
                    key=idempotency_key,
                    request_hash=request_hash,
                    client_ip=client_ip,
                )
            )

        quick = None
        if is_valid_number(source) and is_valid_number(destination):
            # One statement when the rule plainly allows the move. A refusal, a replay or a
            # session to refuse comes back as None and takes the ordinary path below.
            def quick_move(run):
                return ledger_store.quick_move(
                    run, db.dialect, kind=kind, numbers=(source, destination), amount=amount, memo=memo,
                    initiator_id=initiator_id, rule_actor=rule_actor, key=idempotency_key,
                    request_hash=request_hash, client_ip=client_ip, limits=limits, session=session,
                )

            quick = _quick(db, quick_move)
        # A concurrent request with the same idempotency key loses the unique
        # race; its next attempt finds the winner's row and replays it.
        result = TransferResult(quick) if quick else db.write_raw(work, retry_unique=_IDEMPOTENCY_RACE)
    outcome = "replayed" if result.replayed else "ok"
    TRANSFERS.labels(kind, outcome).inc()
    if not result.replayed:
        TRANSFERRED.labels(result.transfer.currency).inc(amount)
    log.info(
        f"{kind}.{outcome}",
        transfer_id=result.transfer.id,
        initiator_id=initiator_id,
        source=mask_number(result.transfer.source),
        destination=mask_number(result.transfer.destination),
        amount=amount,
        currency=result.transfer.currency,
    )
    return result


def _quick(db: Database, quick_move):
    """The one-statement move: one call on PostgreSQL; on SQLite by the writer process when it runs."""
    if db.dialect == "postgresql":
        return db.write_once(
            lambda conn: quick_move(ledger_store.quick_move_on(conn, "postgresql")), retry_unique=_IDEMPOTENCY_RACE
        )
    if db.writer is not None:
        try:
            return quick_move(db.writer.run)
        except WriterUnavailable:
            pass  # the writer logs it once; this worker writes the move itself
    return db.write_raw(
        lambda conn, dialect: quick_move(ledger_store.quick_move_on(conn, dialect)), retry_unique=_IDEMPOTENCY_RACE
    )


def _request_hash(kind: str, source: str, destination: str, amount: int, memo: str) -> str:
    canonical = json.dumps([kind, source, destination, amount, memo], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
