"""What a batch asks of the database, and what it writes, as plain rows both dialects bind."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import orjson

from ..domain.accounts import is_valid_number
from ..domain.batches import BatchOrder
from ..domain.errors import InvalidAmount, InvalidInput
from ..domain.moves import Accepted, Facts, Move, Refused, TransferRecord, UserState, daily_window_start
from ..domain.transfers import AccountState


def _json(value: dict) -> str:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


@dataclass(frozen=True, slots=True)
class FactRows:
    """The keys of the facts to lock and read for a batch."""

    users: list[int]
    numbers: list[str]
    jtis: list[str]
    keys: list[tuple[int | None, str]]
    since: datetime
    moves: int  # how many transfer ids to draw
    batches: list[tuple[int, str]] = field(default_factory=list)  # customers' batches: (owner, key), to look up
    new_batches: int = 0  # how many batch ids to draw


def fact_rows(moves: list[Move], now: datetime, orders: Sequence[BatchOrder] = ()) -> FactRows:
    """Which customers, accounts, tokens and idempotency keys the batch's moves (and customers' batches) name."""
    live = [move for move in moves if move.refused is None]
    named = {number for move in live for number in (move.source, move.destination)}
    numbers = {number for number in named if is_valid_number(number)}  # each checked once
    return FactRows(
        users=sorted({move.customer for move in live if move.customer is not None}),
        numbers=sorted(numbers),
        jtis=sorted(
            {key for move in live if move.session for key in (move.session.jti, move.session.session_key) if key}
        ),
        keys=sorted({(move.actor_id, move.key) for move in live if move.key is not None}, key=repr),
        since=daily_window_start(now),
        moves=len(moves),
        batches=sorted({(order.owner_id, order.key) for order in orders}),
        new_batches=len(orders),
    )


def facts_from(*, users, accounts, revoked, sent, stored, read_time: Callable[[str], datetime]) -> Facts:
    """Facts from the rows a dialect read: lists of plain values in the order of its columns."""
    return Facts(
        accounts={row[1]: AccountState(row[0], row[2], row[3], row[4], row[5], row[6]) for row in accounts},
        users={row[0]: UserState(row[1], row[2]) for row in users},
        revoked=set(revoked),
        sent_last_24h={row[0]: int(row[1]) for row in sent},
        stored={
            (row[0], row[1]): (
                row[2],
                TransferRecord(
                    row[3], row[4], row[5], row[6], row[7], row[8], row[9], read_time(row[10]), row[0], row[11], row[12]
                ),
            )
            for row in stored
        },
    )


@dataclass(frozen=True, slots=True)
class BatchRows:
    """A batch's writes: the accepted moves with their balances after, and the refusals to audit."""

    accepted: list[Accepted]
    refused: list[Refused]
    now: object  # as the driver binds it
    hour: object

    def columns(self) -> dict[str, list]:
        """Column-wise parameters: one list per column, one item per row."""
        moves = [decision.move for decision in self.accepted]
        changed, delta = self.balance_changes()
        return {
            "kind": [move.kind for move in moves],
            "source": [decision.source.id for decision in self.accepted],
            "destination": [decision.destination.id for decision in self.accepted],
            "amount": [move.amount for move in moves],
            "currency": [decision.source.currency for decision in self.accepted],
            "memo": [move.memo for move in moves],
            "actor": [move.actor_id for move in moves],
            "key": [move.key for move in moves],
            "hash": [move.request_hash for move in moves],
            "client_ip": [move.client_ip for move in moves],
            "source_after": [decision.source.balance - decision.move.amount for decision in self.accepted],
            "destination_after": [decision.destination.balance + decision.move.amount for decision in self.accepted],
            "details": [_details(decision.move.amount, decision.source.currency) for decision in self.accepted],
            "customer": [move.customer for move in moves],
            "changed": changed,
            "delta": delta,
            **self.refusal_columns(),
        }

    def move_rows(self, ids: list[int]) -> list[dict]:
        """Each accepted move as one row of the columns its writes are made from, under its id and position."""
        rows = []
        for position, (decision, transfer_id) in enumerate(zip(self.accepted, ids, strict=True), start=1):
            move, source, destination = decision.move, decision.source, decision.destination
            amount, currency = move.amount, source.currency
            rows.append(
                {
                    "kind": move.kind,
                    "source": source.id,
                    "destination": destination.id,
                    "amount": amount,
                    "currency": currency,
                    "memo": move.memo,
                    "actor": move.actor_id,
                    "key": move.key,
                    "hash": move.request_hash,
                    "client_ip": move.client_ip,
                    "source_after": source.balance - amount,
                    "destination_after": destination.balance + amount,
                    "details": _details(amount, currency),
                    "customer": move.customer,
                    "id": transfer_id,
                    "ord": position,
                }
            )
        return rows

    def balance_changes(self) -> tuple[list[int], list[int]]:
        """The accounts the accepted moves change, and by how much each in all."""
        # Each decision holds both accounts as the moves before it left them.
        start: dict[int, int] = {}
        after: dict[int, int] = {}
        for decision in self.accepted:
            for state, change in (
                (decision.source, -decision.move.amount),
                (decision.destination, decision.move.amount),
            ):
                start.setdefault(state.id, state.balance)
                after[state.id] = state.balance + change
        return list(after), [after[account] - start[account] for account in after]

    def refusal_columns(self) -> dict[str, list]:
        """The refusals' audit rows, column-wise."""
        return {
            "refused_actor": [refusal.move.actor_id for refusal in self.refused],
            "refused_ip": [refusal.move.client_ip for refusal in self.refused],
            "refused_event": [f"{refusal.move.kind}.refused" for refusal in self.refused],
            "refused_object": [_refused_object(refusal) for refusal in self.refused],
            "refused_details": [_json(refusal_details(refusal)) for refusal in self.refused],
        }


def _details(amount: int, currency: str) -> str:
    return _json({"amount": amount, "currency": currency})


def _malformed(refusal: Refused) -> bool:
    # Input too malformed to name an account is still recorded, against no object.
    return isinstance(refusal.error, (InvalidAmount, InvalidInput)) or not is_valid_number(refusal.move.account)


def _refused_object(refusal: Refused) -> str | None:
    return None if _malformed(refusal) else refusal.move.account


def refusal_details(refusal: Refused) -> dict:
    """What the audit trail keeps of a refusal: its code, and the amount and counterparty when well formed."""
    details: dict[str, object] = {"code": refusal.error.code}
    if not _malformed(refusal):
        other = refusal.move.other
        details.update(amount=refusal.move.amount, counterparty=other if is_valid_number(other) else None)
    return details
