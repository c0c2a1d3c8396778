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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

import psycopg
import structlog

from ..domain.batches import (
    BatchOrder,
    BatchRecord,
    BatchRefused,
    ItemRefusal,
    ItemResult,
    OrderDecision,
    Unit,
    decide_units,
    status_of,
    unmade,
)
from ..domain.errors import BankError, Busy, LedgerUnavailable, OutcomeUnknown
from ..domain.moves import Accepted, Decision, Move, Refused, TransferRecord, decide, start_of_hour
from ..metrics import LEDGER_BATCH_SIZE, LEDGER_IN_FLIGHT
from ..models import utcnow
from . import deadlines, in_doubt, ledger_pg, ledger_sqlite, write_health
from .batch_rows import batch_row
from .batcher import Batcher
from .commit import commit, pipelined
from .driver import backoff, bind_time, closed_by_server, count_retry, is_retryable, rollback
from .ledger_rows import BatchRows, fact_rows
from .writer_client import WriterUnavailable

MAX_BATCH = 256
MAX_ATTEMPTS = 8
# A concurrent twin with the same idempotency key won the insert: the next attempt replays it.
_IDEMPOTENCY_RACE = (
    "uq_transfers_idempotency",
    "transfers.initiator_id, transfers.idempotency_key",
    "uq_transfer_batches_owner_id_idempotency_key",
    "transfer_batches.owner_id, transfer_batches.idempotency_key",
)
T = TypeVar("T")
log = structlog.get_logger("minibank.ledger")

Outcome = tuple[TransferRecord | BatchRecord, bool] | BaseException


class Ledger:
    """A process's door to the ledger: ``submit`` a move, get its transfer or its refusal."""

    def __init__(self, db):
        self._db = db
        self._sql = ledger_pg if db.dialect == "postgresql" else ledger_sqlite
        self._batcher: Batcher[Unit, Outcome] = Batcher(self.run_batch, max_batch=MAX_BATCH)
        # SQLite under `minibank serve`: the writer process's client (ops/sqlite_writer.py), which runs
        # this same engine for every worker. Without one, this process batches its own moves.
        self.writer = None
        self._dated: datetime | None = None

    @contextmanager
    def dated(self, when: datetime) -> Iterator[None]:
        """Moves submitted inside are stamped ``when``: for loading a past history (the demo) through the rule.

        Only for a process that runs the engine itself, one move at a time, in time order (entry
        ids must keep following time); every check of the rule still decides each move.
        """
        if self.writer is not None:
            raise RuntimeError("a dated history is loaded by a process that runs the ledger itself")
        self._dated = when
        try:
            yield
        finally:
            self._dated = None

    def _now(self) -> datetime:
        return self._dated or utcnow()

    def renew(self) -> None:
        """Fresh locks (after a fork, or once gevent has patched threading)."""
        self._batcher.renew()
        if self.writer is not None:
            self.writer.renew()

    def submit(self, unit: Unit):
        """A move's transfer, or a customer's batch's record, and whether it replays one; raises the refusal."""
        size = len(unit.moves) if isinstance(unit, BatchOrder) else 1
        LEDGER_IN_FLIGHT.inc(size)
        sent = in_doubt.mark()
        try:
            outcome = self._submit(unit)
        except BankError as error:
            if isinstance(error, LedgerUnavailable):
                write_health.failed()
            elif not isinstance(error, (OutcomeUnknown, Busy)):
                write_health.succeeded()  # the rule refused it: the database answered
            if not isinstance(error, OutcomeUnknown):
                in_doubt.settled(sent)
            raise
        finally:
            LEDGER_IN_FLIGHT.dec(size)
        write_health.succeeded()
        return outcome

    def _submit(self, unit: Unit):
        if self.writer is not None and not (isinstance(unit, Move) and unit.refused is not None):
            try:
                outcome = self.writer.run(unit)
            except WriterUnavailable:
                pass  # the client logs it once; this process runs the engine itself
            else:
                if isinstance(outcome, BaseException):
                    raise outcome
                return outcome
        return self._batcher.submit(unit)

    def check(self, move: Move) -> Decision:
        """The rule's decision on ``move`` as things stand now: nothing locked, nothing written (a dry run)."""
        now = self._now()
        rows = fact_rows([move], now)
        fairy = self._db.engine.raw_connection()
        driver = fairy.driver_connection
        try:
            if self._db.dialect == "sqlite":
                driver.execute("BEGIN")  # one snapshot for every fact
            facts, _, _ = self._sql.read_facts(driver, rows, lock=False)
        finally:
            rollback(driver)
            fairy.close()
        return decide([move], facts)[0]

    def run_batch(self, units: list[Unit]) -> list[Outcome]:
        """Decide and write ``units`` (moves and customers' batches) as one batch, in this thread: one outcome each."""
        LEDGER_BATCH_SIZE.observe(sum(len(unit.moves) if isinstance(unit, BatchOrder) else 1 for unit in units))
        return self._run(units)

    def _run(self, units: list[Unit]) -> list[Outcome]:
        try:
            return _retrying(lambda: self._once(units))
        except Busy as busy:
            return [busy] * len(units)
        except (sqlite3.Error, psycopg.Error) as error:
            return self._alone(units, error)

    def _alone(self, units: list[Unit], error: Exception) -> list[Outcome]:
        """After a failure that is not a conflict: each unit alone, so that only one that cannot be written fails.

        A deadline passed (a row held elsewhere for longer than the lock deadline) is Busy: the
        units that do not need that row go through; the one that does may try again later.
        """
        if len(units) > 1:
            return [self._run([unit])[0] for unit in units]
        if deadlines.passed(error):
            log.warning("ledger.deadline_passed", kind=getattr(units[0], "kind", "batch"), error=str(error))
            return [Busy()]
        log.error("ledger.write_failed", kind=getattr(units[0], "kind", "batch"), error=str(error))
        return [LedgerUnavailable()]

    def _once(self, units: list[Unit]) -> list[Outcome]:
        now = self._now()
        moves = [move for unit in units for move in (unit.moves if isinstance(unit, BatchOrder) else (unit,))]
        orders = [unit for unit in units if isinstance(unit, BatchOrder)]
        with self._transaction() as driver:
            facts, ids, batch_ids = self._sql.read_facts(driver, fact_rows(moves, now, orders))
            decided = decide_units(units, facts)
            flat = [d for x in decided for d in (x.decisions if isinstance(x, OrderDecision) else (x,))]
            records = _records(flat, ids, now)
            answers = _Answers(now, iter(batch_ids))
            outcomes = [answers.of(x, records) for x in decided]
            self._write(driver, flat, ids, now, answers.new_batches)
            if not commit(driver):
                return [
                    OutcomeUnknown() if fresh else outcome
                    for outcome, fresh in zip(outcomes, answers.fresh, strict=True)
                ]
        return outcomes

    def _write(self, driver, decisions: list[Decision], ids: list[int], now, batches: list) -> None:
        """Write the accepted moves, the refusals' audit rows and the customers' new batches: one statement on PostgreSQL."""
        accepted = [d for d in decisions if isinstance(d, Accepted)]
        refused = [d for d in decisions if isinstance(d, Refused) and not unmade(d)]
        if accepted or refused:  # a batch is kept only when one of its moves was accepted
            dialect = self._db.dialect
            at = bind_time(dialect, now)
            rows = BatchRows(accepted, refused, at, bind_time(dialect, start_of_hour(now)))
            self._sql.write(
                driver, rows, ids[: len(accepted)], [batch_row(order, record, at) for order, record in batches]
            )

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
                    with pipelined(driver):
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


def _records(decisions: list[Decision], ids: list[int], now):
    """The record of each accepted move under the ids drawn for them in order, None for the rest."""
    drawn = iter(ids)
    return iter([_record(d, next(drawn), now) if isinstance(d, Accepted) else None for d in decisions])


def _record(decision: Accepted, transfer_id: int, now) -> TransferRecord:
    move = decision.move
    return TransferRecord(
        transfer_id,
        move.kind,
        move.source,
        move.destination,
        move.amount,
        decision.source.currency,
        move.memo,
        now,
        move.actor_id,
        decision.source.owner_id,
        decision.destination.owner_id,
    )


class _Answers:
    """Each unit's answer from its decision and the records written; which depend on this batch's COMMIT."""

    def __init__(self, now, batch_ids):
        self.now, self.batch_ids = now, batch_ids
        self.written: dict = {}  # idempotency keys (moves' and batches') written in this batch: their records
        self.new_batches: list[tuple[BatchOrder, BatchRecord]] = []
        self.fresh: list[bool] = []

    def of(self, decided, records) -> Outcome:
        """The answer to one unit; ``records`` yields the record (or None) of each of its moves, in order."""
        if isinstance(decided, OrderDecision):
            return self._order(decided, records)
        record = next(records)
        move = decided.move
        if record is not None:
            if move.key is not None:
                self.written[(move.actor_id, move.key)] = record
            return self._answer((record, False), fresh=True)
        if isinstance(decided, Refused):
            return self._answer(decided.error, fresh=False)
        record = decided.record or self.written.get((move.actor_id, move.key))
        return self._answer((record, True) if record is not None else OutcomeUnknown(), fresh=decided.record is None)

    def _order(self, decided: OrderDecision, records) -> Outcome:
        order = decided.order
        if decided.error is not None:
            return self._answer(decided.error, fresh=False)
        if decided.replay is not None:
            return self._answer((decided.replay, True), fresh=False)
        if decided.twin:
            record = self.written.get(("batch", order.owner_id, order.key))
            return self._answer((record, True) if record is not None else OutcomeUnknown(), fresh=True)
        written = [next(records) for _ in decided.decisions]
        items = tuple(_item(decision, record) for decision, record in zip(decided.decisions, written, strict=True))
        if not decided.moves:
            return self._answer(BatchRefused(items), fresh=False)
        record = BatchRecord(next(self.batch_ids), order.owner_id, order.mode, status_of(items), self.now, items)
        self.written[("batch", order.owner_id, order.key)] = record
        self.new_batches.append((order, record))
        return self._answer((record, False), fresh=True)

    def _answer(self, outcome: Outcome, *, fresh: bool) -> Outcome:
        self.fresh.append(fresh)
        return outcome


def _item(decision: Decision, record: TransferRecord | None) -> ItemResult:
    """A batch item's result: the transfer written for it, else its refusal."""
    if record is not None:
        return record
    if isinstance(decision, Refused):
        return ItemRefusal.of(decision.error)
    raise RuntimeError(f"a batch's item was neither written nor refused: {decision!r}")
