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
from contextlib import contextmanager

import psycopg
import structlog

from .driver import backoff, bind_time, closed_by_server, count_retry, is_retryable, rollback
from ..domain.errors import Busy, LedgerUnavailable, OutcomeUnknown
from ..domain.moves import Accepted, Decision, Move, Refused, TransferRecord, decide, start_of_hour
from ..models import utcnow
from ..ops.metrics import LEDGER_BATCH_SIZE, LEDGER_IN_FLIGHT
from . import ledger_pg, ledger_sqlite
from .batcher import Batcher
from .writer_client import WriterUnavailable
from .ledger_rows import BatchRows, fact_rows

MAX_BATCH = 256
MAX_ATTEMPTS = 8
# A concurrent twin with the same idempotency key won the insert: the next attempt replays it.
_IDEMPOTENCY_RACE = ("uq_transfers_idempotency", "transfers.initiator_id, transfers.idempotency_key")
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

    def run_batch(self, moves: list[Move]) -> list[Outcome]:
        """Decide and write ``moves`` as one batch, in this thread: one outcome each, in order."""
        LEDGER_BATCH_SIZE.observe(len(moves))
        return self._run(moves)

    def _run(self, moves: list[Move]) -> list[Outcome]:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return self._once(moves)
            except (sqlite3.Error, psycopg.Error) as error:
                if not (isinstance(error, _Disconnected) or is_retryable(error, _IDEMPOTENCY_RACE)):
                    return self._alone(moves, error)
                try:
                    count_retry(error, attempt, MAX_ATTEMPTS)
                except Busy as busy:
                    return [busy] * len(moves)
                backoff(attempt)
        raise AssertionError("unreachable")

    def _alone(self, moves: list[Move], error: Exception) -> list[Outcome]:
        """After a failure that is not a conflict: each move alone, so that only a move that cannot be written fails."""
        if len(moves) > 1:
            return [self._run([move])[0] for move in moves]
        log.error("ledger.write_failed", kind=moves[0].kind, error=str(error))
        return [LedgerUnavailable()]

    def _once(self, moves: list[Move]) -> list[Outcome]:
        now = utcnow()
        dialect = self._db.dialect
        with self._transaction() as driver:
            facts, ids = self._sql.read_facts(driver, fact_rows(moves, now))
            decisions = decide(moves, facts)
            accepted = [d for d in decisions if isinstance(d, Accepted)]
            refused = [d for d in decisions if isinstance(d, Refused)]
            if accepted or refused:
                rows = BatchRows(accepted, refused, bind_time(dialect, now), bind_time(dialect, start_of_hour(now)))
                self._sql.write(driver, rows, ids[:len(accepted)])
            if not _commit(driver):
                return [OutcomeUnknown() if isinstance(d, Accepted) else _answer(d, {}) for d in decisions]
        records = iter(_record(d, transfer_id, now) for d, transfer_id in zip(accepted, ids))
        written: dict = {}
        outcomes: list[Outcome] = []
        for decision in decisions:
            if isinstance(decision, Accepted):
                record = next(records)
                if decision.move.key is not None:
                    written[(decision.move.actor_id, decision.move.key)] = record
                outcomes.append((record, False))
            else:
                outcomes.append(_answer(decision, written))
        return outcomes

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
