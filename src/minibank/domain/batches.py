"""Transfer batches: many of a customer's transfers sent as one order, all or none, or each on its own.

Pure: the ledger engine (store/ledger.py) decides a batch's moves with the same rule as
single ones (moves.decide), then settles them here, and writes the batch's record in the
same transaction as its transfers.
"""

from dataclasses import dataclass
from datetime import datetime

from .errors import BankError
from .moves import Accepted, Decision, Move, Refused, TransferRecord

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


def settle(order: BatchOrder, decisions: list[Decision]) -> list[Decision]:
    """The decisions as the batch's mode has them: in an atomic batch, one refusal leaves every move unmade."""
    if order.atomic and any(isinstance(decision, Refused) for decision in decisions):
        return [Refused(decision.move, NotApplied()) if isinstance(decision, Accepted) else decision
                for decision in decisions]
    return decisions


def status_of(items: list[ItemResult]) -> str:
    """Applied or partial, by how many of the items moved (a batch that moved nothing is refused, not kept)."""
    return APPLIED if all(isinstance(item, TransferRecord) for item in items) else PARTIAL


def unmade(decision: Decision) -> bool:
    """A refusal that only the batch's mode caused: it has no audit row of its own."""
    return isinstance(decision, Refused) and isinstance(decision.error, NotApplied)

