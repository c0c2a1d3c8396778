"""Transfer batches: many of a customer's transfers sent as one order, all or none, or each on its own.

Pure: the ledger engine (store/ledger.py) hands every unit waiting in a process, single
moves and customers' batches alike, to ``decide_units``, which judges each move by the same
rule (moves.Running); the engine writes a batch's record in the transaction of its transfers.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .errors import BankError, IdempotencyKeyReused, Unauthenticated
from .moves import Accepted, Decision, Facts, Move, Refused, Running, TransferRecord

ATOMIC = "atomic"
INDEPENDENT = "independent"
MODES = (ATOMIC, INDEPENDENT)
MAX_ITEMS = 1000

APPLIED = "applied"  # every transfer moved
PARTIAL = "partial"  # independent: some moved, some were refused


class BatchRefused(BankError):
    """Nothing moved: every transfer of the batch was refused (see each item's reason)."""

    code = "batch_refused"

    def __init__(self, items: tuple["ItemResult", ...]):
        super().__init__()
        self.items = items


class NotApplied(BankError):
    """Not moved: another transfer of this atomic batch was refused, so none of them moved."""

    code = "batch_not_applied"


@dataclass(frozen=True, slots=True)
class BatchOrder:
    """A customer's batch as checked input: its moves in request order, and what makes a retry the same."""

    owner_id: int
    key: str
    request_hash: str
    mode: str
    moves: tuple[Move, ...]
    client_ip: str | None = None

    @property
    def atomic(self) -> bool:
        """All or none."""
        return self.mode == ATOMIC


@dataclass(frozen=True, slots=True)
class ItemRefusal:
    """Why one item of a batch did not move: the same code, detail and field a single transfer would get."""

    code: str
    detail: str
    field: str | None = None

    @classmethod
    def of(cls, error: BankError) -> "ItemRefusal":
        """The refusal as a batch keeps it."""
        return cls(error.code, error.detail, error.field)


ItemResult = TransferRecord | ItemRefusal


@dataclass(frozen=True, slots=True)
class BatchRecord:
    """A committed batch: one result per item, in request order."""

    id: int
    owner_id: int
    mode: str
    status: str
    created_at: datetime
    items: tuple[ItemResult, ...]

    @property
    def accepted(self) -> int:
        """How many of its transfers moved."""
        return sum(isinstance(item, TransferRecord) for item in self.items)


@dataclass(frozen=True, slots=True)
class OrderDecision:
    """What the engine does with a customer's batch: write its moves' decisions, replay it, or refuse it whole."""

    order: BatchOrder
    decisions: tuple[Decision, ...] = ()
    replay: BatchRecord | None = None  # stored under the same key, with the same request
    twin: bool = False  # sent twice in one batch of the engine: answered with the first one's result
    error: BankError | None = None  # refused whole: nothing of it is written

    @property
    def moves(self) -> bool:
        """Whether any of its transfers moves."""
        return any(isinstance(decision, Accepted) for decision in self.decisions)


Unit = Move | BatchOrder


def decide_units(units: list[Unit], facts: Facts) -> list[Decision | OrderDecision]:
    """Single moves and customers' batches in order, each judged against the facts as those before it left them."""
    running = Running(facts)
    orders_in_batch: dict[tuple[int, str], BatchOrder] = {}
    return [
        running.decide(unit) if isinstance(unit, Move) else _decide_order(unit, running, facts, orders_in_batch)
        for unit in units
    ]


def _decide_order(order: BatchOrder, running: Running, facts: Facts, orders_in_batch: dict) -> OrderDecision:
    key = (order.owner_id, order.key)
    earlier = facts.batches.get(key)
    if earlier is not None:
        request_hash, record = earlier
        if request_hash != order.request_hash:
            return OrderDecision(order, error=IdempotencyKeyReused())
        return OrderDecision(order, replay=record)
    if key in orders_in_batch:
        twin = orders_in_batch[key]
        return (
            OrderDecision(order, twin=True)
            if twin.request_hash == order.request_hash
            else OrderDecision(order, error=IdempotencyKeyReused())
        )
    running.tentatively()
    decisions = [running.decide(move) for move in order.moves]
    if any(isinstance(decision, Refused) and isinstance(decision.error, Unauthenticated) for decision in decisions):
        running.undo()
        return OrderDecision(order, error=Unauthenticated())  # the request's session: nothing of it is written
    if order.atomic and any(isinstance(decision, Refused) for decision in decisions):
        running.undo()
        decisions = [
            Refused(decision.move, NotApplied()) if isinstance(decision, Accepted) else decision
            for decision in decisions
        ]
    else:
        running.keep()
    decided = OrderDecision(order, tuple(decisions))
    if decided.moves:
        orders_in_batch[key] = order
    return decided


def status_of(items: Sequence[ItemResult]) -> str:
    """Applied or partial, by how many of the items moved (a batch that moved nothing is refused, not kept)."""
    return APPLIED if all(isinstance(item, TransferRecord) for item in items) else PARTIAL


def unmade(decision: Decision) -> bool:
    """A refusal that only the batch's mode caused: it has no audit row of its own."""
    return isinstance(decision, Refused) and isinstance(decision.error, NotApplied)
