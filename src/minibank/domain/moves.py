"""A batch of moves decided one after another by the transfer rule, against facts read under lock.

Pure: no database here. The ledger engine (store/ledger.py) reads the facts, calls
``decide``, and writes what it accepted; so the rule in ``transfers.check_transfer`` is the
one judge of every movement, on every engine.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from . import transfers as rule
from .errors import AccountNotFound, BankError, IdempotencyKeyReused, Unauthenticated, UnknownDestination
from .transfers import AccountState, Limits

if TYPE_CHECKING:  # batches imports this module
    from .batches import BatchRecord

TRANSFER = "transfer"
DEPOSIT = "deposit"
WITHDRAWAL = "withdrawal"


@dataclass(frozen=True, slots=True)
class Session:
    """The token a customer's move was sent with, to be checked under the customer's lock."""

    jti: str
    version: int
    session_key: str | None = None  # its session's entry in the revocation list, when it has one


@dataclass(frozen=True, slots=True)
class Move:
    """One requested movement of money, as checked input (or already refused as malformed)."""

    kind: str
    actor_id: int | None  # who is acting: the customer, or the teller (None: the bank itself)
    source: str
    destination: str
    amount: int
    memo: str = ""
    key: str | None = None
    request_hash: str | None = None
    client_ip: str | None = None
    limits: Limits = Limits()
    session: Session | None = None
    refused: BankError | None = None  # malformed before the rule: only its refusal is recorded

    @property
    def customer(self) -> int | None:
        """The customer whose rules apply (ownership, limits): the actor of a transfer, else None."""
        return self.actor_id if self.kind == TRANSFER else None

    @property
    def account(self) -> str:
        """The customer's side of the move: the account a refusal is recorded against."""
        return self.destination if self.kind == DEPOSIT else self.source

    @property
    def other(self) -> str:
        """The other side of the move."""
        return self.source if self.kind == DEPOSIT else self.destination


@dataclass(frozen=True, slots=True)
class TransferRecord:
    """A committed transfer as callers see it."""

    id: int
    kind: str
    source: str
    destination: str
    amount: int
    currency: str
    memo: str
    created_at: datetime
    actor_id: int | None  # who acted: the customer or the teller (the column transfers.initiator_id)
    source_owner: int | None
    destination_owner: int | None


@dataclass(frozen=True, slots=True)
class UserState:
    """What a customer's session check needs, read under the customer's lock."""

    status: str
    token_version: int


@dataclass
class Facts:
    """Everything a batch's rule needs, read under lock in one go."""

    accounts: dict[str, AccountState]
    users: dict[int, UserState] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    sent_last_24h: dict[int, int] = field(default_factory=dict)
    stored: dict[tuple[int | None, str], tuple[str, TransferRecord]] = field(default_factory=dict)
    # Customers' batches stored under their keys: (owner, key) -> (request hash, batches.BatchRecord).
    batches: "dict[tuple[int, str], tuple[str, BatchRecord]]" = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Accepted:
    """A move the rule allows: both accounts as they were just before it."""

    move: Move
    source: AccountState
    destination: AccountState


@dataclass(frozen=True, slots=True)
class Replayed:
    """A retry of a committed move: its stored result."""

    move: Move
    record: TransferRecord | None  # None: its twin earlier in the same batch, not written yet


@dataclass(frozen=True, slots=True)
class Refused:
    """A move the rule (or the input check) refuses."""

    move: Move
    error: BankError


Decision = Accepted | Replayed | Refused


def start_of_hour(moment: datetime) -> datetime:
    """The hour bucket a moment falls in (customers' outgoing money is summed per hour)."""
    return moment.replace(minute=0, second=0, microsecond=0)


def daily_window_start(now: datetime) -> datetime:
    """The oldest hour bucket that counts toward the rolling 24-hour limit: a transfer counts 24 to 25 hours."""
    return start_of_hour(now - timedelta(hours=24))


def decide(moves: list[Move], facts: Facts) -> list[Decision]:
    """Each move in order, judged by the rule against the facts as the moves before it left them."""
    running = Running(facts)
    return [running.decide(move) for move in moves]


_MISSING = object()


class Running:
    """The facts as the moves decided so far left them: balances, daily totals, the keys of this batch.

    Between ``tentatively()`` and ``keep()`` or ``undo()``, what the moves change can be taken
    back: an atomic batch that is refused leaves the facts as they were for the moves after it.
    """

    def __init__(self, facts: Facts):
        self.facts = facts
        self.accounts = dict(facts.accounts)
        self.sent = dict(facts.sent_last_24h)
        self.keys: dict[tuple[int | None, str], Move] = {}
        self._undo: list | None = None

    def decide(self, move: Move) -> Decision:
        """The rule's decision on ``move``; an accepted move changes the facts for the next."""
        decision = _decide_one(move, self.facts, self.accounts, self.sent, self.keys)
        if isinstance(decision, Accepted):
            source, destination = decision.source, decision.destination
            self._set(self.accounts, move.source, _with_balance(source, source.balance - move.amount))
            self._set(self.accounts, move.destination, _with_balance(destination, destination.balance + move.amount))
            if move.customer is not None:
                self._set(self.sent, move.customer, self.sent.get(move.customer, 0) + move.amount)
            if move.key is not None:
                self._set(self.keys, (move.actor_id, move.key), move)
        return decision

    def tentatively(self) -> None:
        """From here, remember how to take the changes back."""
        self._undo = []

    def keep(self) -> None:
        """Keep the changes made since ``tentatively()``."""
        self._undo = None

    def undo(self) -> None:
        """Take back the changes made since ``tentatively()``."""
        for table, key, old in reversed(self._undo or []):
            if old is _MISSING:
                del table[key]
            else:
                table[key] = old
        self._undo = None

    def _set(self, table: dict, key, value) -> None:
        if self._undo is not None:
            self._undo.append((table, key, table.get(key, _MISSING)))
        table[key] = value


def _with_balance(state: AccountState, balance: int) -> AccountState:
    # The constructor, not dataclasses.replace: this runs twice per accepted move.
    return AccountState(state.id, state.owner_id, state.currency, state.status, state.kind, balance)


def _decide_one(
    move: Move,
    facts: Facts,
    accounts: dict[str, AccountState],
    sent: dict[int, int],
    keys_in_batch: dict[tuple[int | None, str], Move],
) -> Decision:
    if move.refused is not None:
        return Refused(move, move.refused)
    try:
        if move.session is not None:
            user = facts.users.get(move.actor_id) if move.actor_id is not None else None
            if (
                user is None
                or user.status != "active"
                or user.token_version != move.session.version
                or move.session.jti in facts.revoked
                or move.session.session_key in facts.revoked
            ):
                raise Unauthenticated()
        if move.key is not None:
            stored = facts.stored.get((move.actor_id, move.key))
            if stored is not None:
                request_hash, record = stored
                if request_hash != move.request_hash:
                    raise IdempotencyKeyReused()
                return Replayed(move, record)
            if (move.actor_id, move.key) in keys_in_batch:
                # Its twin in this batch is not written yet: the engine answers it with the twin's result.
                if keys_in_batch[(move.actor_id, move.key)].request_hash != move.request_hash:
                    raise IdempotencyKeyReused()
                return Replayed(move, None)
        source, destination = accounts.get(move.source), accounts.get(move.destination)
        rule.check_transfer(  # looked up on each call: the rule is this one function
            actor_id=move.customer,
            source=source,
            destination=destination,
            amount=move.amount,
            limits=move.limits,
            sent_last_24h=sent.get(move.customer, 0) if move.customer is not None else 0,
        )
        # The rule may be changed (one function, looked up above); a rule that lets a missing
        # account through must not reach the balances and the writes with None for it.
        if source is None:
            raise AccountNotFound()
        if destination is None:
            raise UnknownDestination()
    except BankError as error:
        return Refused(move, error)
    return Accepted(move, source, destination)
