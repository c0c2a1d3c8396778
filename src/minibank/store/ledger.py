"""The ledger engine: every movement of money, in batches, by one write path per engine.

A move submitted here waits with the others of this process. The batch's leader then, in
one transaction: locks and reads the facts every move of the batch needs (ledger_pg,
ledger_sqlite), lets the rule decide each move in order against them (domain.moves.decide),
writes every accepted move and every refusal's audit row in as few statements as the
engine allows, and commits once. Only then does any caller hear its answer.

Isolation: a batch that fails before its COMMIT has written nothing. Lock conflicts and
lost connections run it again; any other failure runs each of its moves alone, so a move
that cannot be written fails by itself. A COMMIT whose outcome the engine cannot know (the
connection dropped during it) answers OutcomeUnknown to the moves it would have written.
"""

import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from typing import TypeVar

import psycopg
import structlog

from .driver import backoff, bind_time, closed_by_server, count_retry, is_retryable, rollback
from ..domain.batches import BatchOrder, BatchRecord, BatchRefused, ItemRefusal, settle, status_of, unmade
from ..domain.errors import BankError, Busy, IdempotencyKeyReused, LedgerUnavailable, OutcomeUnknown, Unauthenticated
from ..domain.moves import Accepted, Decision, Move, Refused, TransferRecord, decide, start_of_hour
from ..models import utcnow
from ..ops.metrics import LEDGER_BATCH_SIZE, LEDGER_IN_FLIGHT
from . import ledger_pg, ledger_sqlite
from .batcher import Batcher
from .writer_client import WriterUnavailable
from .batch_rows import batch_row, record_from, write_batch
from .ledger_rows import BatchRows, fact_rows

MAX_BATCH = 256
MAX_ATTEMPTS = 8
# A concurrent twin with the same idempotency key won the insert: the next attempt replays it.
_IDEMPOTENCY_RACE = ("uq_transfers_idempotency", "transfers.initiator_id, transfers.idempotency_key",
                     "uq_transfer_batches_owner_id_idempotency_key",
                     "transfer_batches.owner_id, transfer_batches.idempotency_key")
T = TypeVar("T")
log = structlog.get_logger("minibank.ledger")

Outcome = tuple[TransferRecord, bool] | BaseException


class Ledger:
    """A process's door to the ledger: ``submit`` a move, get its transfer or its refusal."""

    def __init__(self, db):
        self._db = db
        self._sql = ledger_pg if db.dialect == "postgresql" else ledger_sqlite
        self._batcher: Batcher[Move, Outcome] = Batcher(self.run_batch, max_batch=MAX_BATCH)
        # SQLite under `minibank serve`: the writer process's client (ops/sqlite_writer.py), which runs
        # this same engine for every worker. Without one, this process batches its own moves.
        self.writer = None

    def renew(self) -> None:
        """Fresh locks (after a fork, or once gevent has patched threading)."""
        self._batcher.renew()
        if self.writer is not None:
            self.writer.renew()

    def submit(self, move: Move) -> tuple[TransferRecord, bool]:
        """The committed transfer and whether it replays an earlier one; raises the move's refusal."""
        LEDGER_IN_FLIGHT.inc()
        try:
            if self.writer is not None and move.refused is None:
                try:
                    outcome = self.writer.run(move)
                except WriterUnavailable:
                    pass  # the client logs it once; this process runs the engine itself
                else:
                    if isinstance(outcome, BaseException):
                        raise outcome
                    return outcome
            return self._batcher.submit(move)
        finally:
            LEDGER_IN_FLIGHT.dec()

    def submit_order(self, order: BatchOrder) -> tuple[BatchRecord, bool]:
        """A customer's batch, in a transaction of its own: its record and whether it replays one; raises its refusal."""
        LEDGER_IN_FLIGHT.inc(len(order.moves))
        try:
            outcome = None
            if self.writer is not None:
                try:
                    outcome = self.writer.run_order(order)
                except WriterUnavailable:
                    pass  # as for single moves: this process runs the engine itself
            if outcome is None:
                outcome = self.run_order(order)
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome
        finally:
            LEDGER_IN_FLIGHT.dec(len(order.moves))

    def run_batch(self, moves: list[Move]) -> list[Outcome]:
        """Decide and write ``moves`` as one batch, in this thread: one outcome each, in order."""
        LEDGER_BATCH_SIZE.observe(len(moves))
        return self._run(moves)

    def run_order(self, order: BatchOrder) -> tuple[BatchRecord, bool] | BaseException:
        """Decide and write a customer's batch in one transaction of its own, in this thread."""
        LEDGER_BATCH_SIZE.observe(len(order.moves))
        try:
            return _retrying(lambda: self._order_once(order))
        except BankError as refusal:
            return refusal
        except (sqlite3.Error, psycopg.Error) as error:
            # One transaction holds the whole batch: it fails whole, and nothing of it was written.
            log.error("ledger.batch_failed", items=len(order.moves), error=str(error))
            return LedgerUnavailable()

    def _run(self, moves: list[Move]) -> list[Outcome]:
        try:
            return _retrying(lambda: self._once(moves))
        except Busy as busy:
            return [busy] * len(moves)
        except (sqlite3.Error, psycopg.Error) as error:
            return self._alone(moves, error)

    def _alone(self, moves: list[Move], error: Exception) -> list[Outcome]:
        """After a failure that is not a conflict: each move alone, so that only a move that cannot be written fails."""
        if len(moves) > 1:
            return [self._run([move])[0] for move in moves]
        log.error("ledger.write_failed", kind=moves[0].kind, error=str(error))
        return [LedgerUnavailable()]

    def _once(self, moves: list[Move]) -> list[Outcome]:
        now = utcnow()
        with self._transaction() as driver:
            decisions, ids = self._decide(driver, moves, now)
            records = self._write(driver, decisions, ids, now)
            if not _commit(driver):
                return [OutcomeUnknown() if isinstance(d, Accepted) else _answer(d, {}) for d in decisions]
        written: dict = {}
        outcomes: list[Outcome] = []
        for decision, record in zip(decisions, records):
            if record is not None:
                if decision.move.key is not None:
                    written[(decision.move.actor_id, decision.move.key)] = record
                outcomes.append((record, False))
            else:
                outcomes.append(_answer(decision, written))
        return outcomes

    def _order_once(self, order: BatchOrder) -> tuple[BatchRecord, bool]:
        now = utcnow()
        with self._transaction() as driver:
            stored, batch_id = self._sql.read_batch(driver, order.owner_id, order.key)
            if stored is not None:
                request_hash, record = record_from(stored, owner_id=order.owner_id)
                if request_hash != order.request_hash:
                    raise IdempotencyKeyReused()
                rollback(driver)
                return record, True
            decisions, ids = self._decide(driver, list(order.moves), now)
            decisions = settle(order, decisions)
            for decision in decisions:
                if isinstance(decision, Refused) and isinstance(decision.error, Unauthenticated):
                    raise decision.error  # the whole request's session: nothing of it is written
            records = self._write(driver, decisions, ids, now)
            items = tuple(record if record is not None else ItemRefusal.of(decision.error)
                          for decision, record in zip(decisions, records))
            if not any(record is not None for record in records):
                if not _commit(driver):  # the refusals' audit rows
                    raise OutcomeUnknown()
                raise BatchRefused(items)
            record = BatchRecord(batch_id, order.owner_id, order.mode, status_of(items), now, items)
            write_batch(driver, self._db.dialect, batch_row(order, record, bind_time(self._db.dialect, now)))
            if not _commit(driver):
                raise OutcomeUnknown()
        return record, False

    def _decide(self, driver, moves: list[Move], now) -> tuple[list[Decision], list[int]]:
        """Lock and read the facts the moves need, and let the rule decide each in order; with an id for each."""
        facts, ids = self._sql.read_facts(driver, fact_rows(moves, now))
        return decide(moves, facts), ids

    def _write(self, driver, decisions: list[Decision], ids: list[int], now) -> list[TransferRecord | None]:
        """Write the accepted moves and the refusals' audit rows: the record of each accepted move, None for the rest."""
        accepted = [d for d in decisions if isinstance(d, Accepted)]
        refused = [d for d in decisions if isinstance(d, Refused) and not unmade(d)]
        ids = ids[:len(accepted)]
        if accepted or refused:
            dialect = self._db.dialect
            rows = BatchRows(accepted, refused, bind_time(dialect, now), bind_time(dialect, start_of_hour(now)))
            self._sql.write(driver, rows, ids)
        drawn = iter(ids)
        return [_record(d, next(drawn), now) if isinstance(d, Accepted) else None for d in decisions]

    @contextmanager
    def _transaction(self):
        """A driver connection in a write transaction; rolled back unless committed.

        A connection found lost (idle, or mid-statement) is discarded and reported as
        _Disconnected: nothing of the batch was written, so it may run again.
        """
        postgres = self._db.dialect == "postgresql"
        with self._db.write_turn():
            fairy = self._db.engine.raw_connection()
            driver = fairy.driver_connection
            lost = False
            try:
                if postgres:
                    if closed_by_server(driver):
                        raise _Disconnected("the server closed the connection while it was idle")
                    # Pipeline mode: BEGIN goes out with the read, the write with the COMMIT.
                    with driver.pipeline():
                        yield driver
                else:
                    driver.execute("BEGIN IMMEDIATE")
                    yield driver
            except BaseException as error:
                lost = postgres and (isinstance(error, _Disconnected) or driver.broken or driver.closed)
                if not lost:
                    rollback(driver)
                elif isinstance(error, psycopg.Error) and not isinstance(error, _Disconnected):
                    raise _Disconnected(str(error)) from error
                raise
            finally:
                if lost or (postgres and (driver.broken or driver.closed)):
                    fairy.invalidate()
                fairy.close()


def _retrying(once: Callable[[], T]) -> T:
    """``once()``, run again after a lock conflict or a lost connection (nothing of it written); Busy at the last."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return once()
        except (sqlite3.Error, psycopg.Error) as error:
            if not (isinstance(error, _Disconnected) or is_retryable(error, _IDEMPOTENCY_RACE)):
                raise
            count_retry(error, attempt, MAX_ATTEMPTS)
            backoff(attempt)
    raise AssertionError("unreachable")


class _Disconnected(psycopg.OperationalError):
    """The connection was lost before COMMIT: nothing was written, the batch may run again."""


def _commit(driver) -> bool:
    """COMMIT; False when the connection was lost during it, so that its outcome is unknown."""
    try:
        driver.commit()
    except psycopg.OperationalError:
        if driver.broken or driver.closed:
            return False
        raise
    return True


def _record(decision: Accepted, transfer_id: int, now) -> TransferRecord:
    move = decision.move
    return TransferRecord(transfer_id, move.kind, move.source, move.destination, move.amount, decision.source.currency,
                          move.memo, now, move.actor_id, decision.source.owner_id, decision.destination.owner_id)


def _answer(decision: Decision, written: dict) -> Outcome:
    if isinstance(decision, Refused):
        return decision.error
    record = decision.record or written.get((decision.move.actor_id, decision.move.key))
    return (record, True) if record is not None else OutcomeUnknown()
