"""The transfer rule: given plain facts about two accounts, may the money move?"""

from dataclasses import dataclass

from .errors import (
    AccountClosed,
    AccountFrozen,
    AccountNotFound,
    CurrencyMismatch,
    InsufficientFunds,
    InvalidInput,
    InvisibleCharacters,
    LimitExceeded,
    SameAccount,
    UnknownDestination,
)
from .money import MAX_MINOR, format_amount, format_money
from .text import hidden_character

MEMO_MAX_LENGTH = 140

CUSTOMER = "customer"
SYSTEM = "system"
OPEN = "open"
FROZEN = "frozen"
CLOSED = "closed"
# What a frozen account may still do: receive. Sending, by its owner or at the counter, is refused.
RECEIVES = (OPEN, FROZEN)


@dataclass(frozen=True, slots=True)
class AccountState:
    """What the rule needs to know about one account, read under lock."""

    id: int
    owner_id: int | None
    currency: str
    status: str
    kind: str
    balance: int


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-transfer and rolling 24-hour outgoing maxima, in minor units (None: no limit)."""

    per_transfer: int | None = None
    daily: int | None = None


def check_memo(memo: object) -> str:
    """Return the memo trimmed, or refuse one that is not short printable text."""
    if memo is None:
        return ""
    if not isinstance(memo, str):
        raise InvalidInput("The memo must be text.", field="memo")
    memo = memo.strip()
    if len(memo) > MEMO_MAX_LENGTH:
        raise InvalidInput(f"The memo may be at most {MEMO_MAX_LENGTH} characters.", field="memo")
    if hidden := hidden_character(memo):
        raise InvisibleCharacters(f"The memo may not contain invisible or control characters ({hidden}).", field="memo")
    return memo


def check_transfer(
    *,
    actor_id: int | None,
    source: AccountState | None,
    destination: AccountState | None,
    amount: int,
    limits: Limits = Limits(),
    sent_last_24h: int = 0,
) -> None:
    """Raise the first broken rule, in the documented order; return None when allowed.

    ``actor_id`` None means a teller or operator acting for the bank (no ownership
    check, no customer limits); otherwise the source must belong to the actor.
    """
    if source is None or (actor_id is not None and source.owner_id != actor_id):
        raise AccountNotFound()
    if destination is not None and destination.id == source.id:
        raise SameAccount()
    if destination is None or (actor_id is not None and destination.kind != CUSTOMER):
        # A customer can neither see nor pay the bank's own accounts: one answer for both.
        raise UnknownDestination()
    if source.status == FROZEN:
        raise AccountFrozen("The source account is frozen: it can receive money but not send any.", field="from")
    if source.status != OPEN:
        raise AccountClosed("The source account is closed.", field="from")
    if destination.status not in RECEIVES:
        raise AccountClosed("The destination account is closed.", field="to")
    if source.currency != destination.currency:
        raise CurrencyMismatch()
    if actor_id is not None:
        _check_limits(amount, limits, sent_last_24h, source.currency)
    if source.kind == CUSTOMER and source.balance < amount:
        raise InsufficientFunds(f"Not enough money: {format_money(max(source.balance, 0), source.currency)} available.")
    # Balances are signed 64-bit columns: past that an engine errors (PostgreSQL) or turns them into floats (SQLite).
    if destination.balance > MAX_MINOR - amount or source.balance < amount - MAX_MINOR:
        raise LimitExceeded("The account cannot hold that much money.")


def _check_limits(amount: int, limits: Limits, sent_last_24h: int, currency: str) -> None:
    if limits.per_transfer is not None and amount > limits.per_transfer:
        raise LimitExceeded(f"A single transfer may be at most {format_amount(limits.per_transfer)} {currency}.")
    if limits.daily is not None and sent_last_24h + amount > limits.daily:
        left = max(limits.daily - sent_last_24h, 0)
        raise LimitExceeded(f"This exceeds your 24-hour limit; you can still send {format_amount(left)} {currency}.")
