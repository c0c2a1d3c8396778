"""Refused transfers, deposits and withdrawals: counted, logged and audited as ``<kind>.refused``."""

from contextlib import contextmanager

import structlog
from sqlalchemy import Connection

from ..db import Database
from ..domain.accounts import is_valid_number, mask_number
from ..domain.errors import BankError, Busy, InvalidAmount, InvalidInput
from ..ops.metrics import TRANSFERS
from . import audit

log = structlog.get_logger("minibank.transfers")


@contextmanager
def recorded(
    db: Database,
    *,
    kind: str,
    actor_id: int | None,
    account: str,
    other: str | None,
    amount: object,
    client_ip: str | None,
):
    """Count, log and audit a refusal (``kind.refused``) before it reaches the caller."""
    try:
        yield
    except BankError as refusal:
        TRANSFERS.labels(kind, refusal.code).inc()
        log.info(
            f"{kind}.refused",
            code=refusal.code,
            initiator_id=actor_id,
            account=mask_number(account),
            counterparty=mask_number(other),
        )
        if not isinstance(refusal, Busy):
            # Busy means the database is overloaded: one more write would only add to it.
            _record(db, kind, refusal, actor_id, account, other, amount, client_ip)
        raise


def _record(db, kind, refusal, actor_id, account, other, amount, client_ip):
    # Input too malformed to name an account is still recorded, against no object.
    malformed = isinstance(refusal, (InvalidAmount, InvalidInput)) or not is_valid_number(account)
    details = {"code": refusal.code}
    if not malformed:
        details.update(amount=amount, counterparty=other if is_valid_number(other) else None)

    def work(conn: Connection) -> None:
        audit.record(
            conn,
            event=f"{kind}.refused",
            outcome="refused",
            actor_id=actor_id,
            object=None if malformed else account,
            client_ip=client_ip,
            details=details,
        )

    try:
        db.write(work, attempts=3)
    except Busy:
        # The caller still gets the refusal; only its audit line is lost, and said so.
        log.warning("audit.refusal_not_recorded", event=f"{kind}.refused", code=refusal.code)
