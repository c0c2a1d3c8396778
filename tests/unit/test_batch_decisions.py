"""Customers' batches decided among single moves (pure): an atomic batch is all or none, and one that is
refused leaves the facts as they were for the units after it; keys replay or conflict."""

from datetime import UTC, datetime

from minibank.domain.batches import (
    ATOMIC,
    INDEPENDENT,
    BatchOrder,
    BatchRecord,
    NotApplied,
    OrderDecision,
    decide_units,
)
from minibank.domain.errors import IdempotencyKeyReused, InsufficientFunds
from minibank.domain.moves import TRANSFER, Accepted, Facts, Move, Refused
from minibank.domain.transfers import AccountState

ALICE, BOB = 1, 2
A, B, C = "1000000015", "1000000023", "1000000031"


def _facts(**balances) -> Facts:
    owners = {"A": ALICE, "B": ALICE, "C": BOB}
    return Facts(
        accounts={
            number: AccountState(i, owners[name], "USD", "open", "customer", balances[name])
            for i, (name, number) in enumerate((("A", A), ("B", B), ("C", C)), start=1)
        }
    )


def _move(source, destination, amount, actor=ALICE) -> Move:
    return Move(kind=TRANSFER, actor_id=actor, source=source, destination=destination, amount=amount)


def _order(*moves, mode=ATOMIC, key="k", request_hash="h") -> BatchOrder:
    return BatchOrder(owner_id=ALICE, key=key, request_hash=request_hash, mode=mode, moves=moves)


def test_a_refused_atomic_batch_leaves_the_facts_as_they_were_for_the_units_after_it():
    # The batch would fill C and empty A, then fail; the moves after it must see A full and C empty.
    order = _order(_move(A, C, 60), _move(B, C, 500))
    after = [Move(kind=TRANSFER, actor_id=BOB, source=C, destination=A, amount=50), _move(A, C, 100)]
    decided = decide_units([order, *after], _facts(A=100, B=10, C=0))
    assert isinstance(decided[0], OrderDecision) and not decided[0].moves
    assert [type(d.error) for d in decided[0].decisions] == [NotApplied, InsufficientFunds]
    assert isinstance(decided[1], Refused) and isinstance(decided[1].error, InsufficientFunds)
    assert isinstance(decided[2], Accepted) and decided[2].source.balance == 100


def test_an_independent_batch_keeps_what_moved_and_the_next_units_see_it():
    order = _order(_move(A, C, 60), _move(B, C, 500), mode=INDEPENDENT)
    decided = decide_units([order, _move(A, C, 50)], _facts(A=100, B=10, C=0))
    assert [type(d).__name__ for d in decided[0].decisions] == ["Accepted", "Refused"]
    assert isinstance(decided[1], Refused)  # 40 left


def test_a_stored_batch_replays_and_another_body_under_its_key_conflicts():
    record = BatchRecord(7, ALICE, ATOMIC, "applied", datetime.now(UTC), ())
    facts = _facts(A=100, B=0, C=0)
    facts.batches[(ALICE, "k")] = ("h", record)
    same, other = _order(_move(A, C, 1)), _order(_move(A, C, 2), request_hash="other")
    replay, conflict = decide_units([same, other], facts)
    assert replay.replay is record and not replay.decisions
    assert isinstance(conflict.error, IdempotencyKeyReused)


def test_the_same_batch_twice_in_one_engine_batch_moves_once():
    first, twin = _order(_move(A, C, 30)), _order(_move(A, C, 30))
    decided = decide_units([first, twin, _order(_move(A, C, 1), request_hash="x")], _facts(A=100, B=0, C=0))
    assert decided[0].moves and decided[1].twin and not decided[1].decisions
    assert isinstance(decided[2].error, IdempotencyKeyReused)


def test_a_changed_rule_that_lets_a_missing_account_through_still_refuses_the_move(monkeypatch):
    # The rule is one function that may be replaced; the accounts it was given may be None, and
    # an accepted move with None for an account used to fail the whole batch with AttributeError.
    from minibank.domain import transfers as rule
    from minibank.domain.errors import AccountNotFound, UnknownDestination

    monkeypatch.setattr(rule, "check_transfer", lambda **facts: None)
    unknown = "1000000049"
    decided = decide_units([_move(A, unknown, 10), _move(unknown, B, 10), _move(A, B, 10)], _facts(A=100, B=0, C=0))
    assert isinstance(decided[0], Refused) and isinstance(decided[0].error, UnknownDestination)
    assert isinstance(decided[1], Refused) and isinstance(decided[1].error, AccountNotFound)
    assert isinstance(decided[2], Accepted) and decided[2].source.balance == 100
