"""The ledger engine's batches: one batch decides exactly as the rule does one move after another,
an atomic batch with any refused item moves nothing, and batches racing single moves conserve
money and never overdraw, on both engines."""

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from minibank.domain.batches import ATOMIC, INDEPENDENT, BatchOrder, BatchRefused
from minibank.domain.moves import DEPOSIT, TRANSFER, WITHDRAWAL, Move
from minibank.domain.transfers import Limits
from minibank.models import accounts
from minibank.services import accounts as account_service

from ..support.ledger import assert_ledger_clean, customer_total, snapshot

# Each world: customer 0 owns accounts 0 and 1, customer 1 owns 2, customer 2 owns 3 (closed);
# slot 4 is a number that does not exist.
OWNERS = [0, 0, 1, 2]
LIMITS = Limits(per_transfer=4_000, daily=6_000)
MISSING = "1234567889"

moves = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from([TRANSFER] * 6 + [DEPOSIT, WITHDRAWAL]),
            "actor": st.integers(0, 2),
            "source": st.integers(0, 4),
            "destination": st.integers(0, 4),
            "amount": st.one_of(st.integers(1, 2_500), st.integers(2_500, 7_000)),
            "key": st.sampled_from([None, None, "a", "b"]),
        }
    ),
    min_size=1,
    max_size=24,
)


def _world(db, make_user, make_account, balances: list[int]):
    users = [make_user() for _ in range(3)]
    numbers = [make_account(owner=users[OWNERS[i]], balance=balances[i]).number for i in range(3)]
    closed = make_account(owner=users[2]).number
    account_service.close_account(db, number=closed, owner_id=users[2].id)
    return users, [*numbers, closed, MISSING]


def _cash(db) -> str:
    return db.read(lambda conn: conn.execute(select(accounts.c.number).where(accounts.c.kind == "system")).scalar())


def _moves(spec: list[dict], users, numbers, cash: str) -> list[Move]:
    made = []
    for item in spec:
        if item["kind"] == TRANSFER:
            made.append(
                Move(
                    kind=TRANSFER,
                    actor_id=users[item["actor"]].id,
                    source=numbers[item["source"]],
                    destination=numbers[item["destination"]],
                    amount=item["amount"],
                    limits=LIMITS,
                    key=item["key"],
                    request_hash=f"{item['source']}-{item['destination']}-{item['amount']}",
                )
            )
        else:
            account = numbers[item["destination"]]
            source, destination = (cash, account) if item["kind"] == DEPOSIT else (account, cash)
            made.append(
                Move(kind=item["kind"], actor_id=None, source=source, destination=destination, amount=item["amount"])
            )
    return made


def _shape(outcome) -> tuple:
    """An outcome without what differs between worlds: the error code, or the move and whether it replays."""
    if isinstance(outcome, BaseException):
        return ("refused", getattr(outcome, "code", type(outcome).__name__))
    record, replayed = outcome
    return ("ok", record.kind, record.amount, replayed)


def _balances(db, numbers) -> list[int]:
    found = dict(
        db.read(
            lambda conn: conn.execute(
                select(accounts.c.number, accounts.c.balance).where(accounts.c.number.in_(numbers))
            ).all()
        )
    )
    return [found.get(number) for number in numbers]


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=moves, balances=st.lists(st.integers(0, 6_000), min_size=3, max_size=3))
def test_a_batch_decides_as_the_rule_does_one_move_after_another(db, make_user, make_account, spec, balances):
    cash = _cash(db)
    one_batch, one_by_one = (_world(db, make_user, make_account, balances) for _ in range(2))
    batched = db.ledger.run_batch(_moves(spec, *one_batch, cash))
    alone = [db.ledger.run_batch([move])[0] for move in _moves(spec, *one_by_one, cash)]
    assert [_shape(o) for o in batched] == [_shape(o) for o in alone]
    assert _balances(db, one_batch[1]) == _balances(db, one_by_one[1])
    assert_ledger_clean(db)


# One customer's batch: customer 0 sends from accounts 0 and 1 (or, refused, from others' accounts).
orders = st.lists(
    st.fixed_dictionaries(
        {
            "source": st.sampled_from([0, 0, 1, 1, 2]),
            "destination": st.integers(0, 4),
            "amount": st.one_of(st.integers(1, 2_500), st.integers(2_500, 7_000)),
        }
    ),
    min_size=1,
    max_size=16,
)


def _order(spec: list[dict], users, numbers, mode: str, key: str = "order") -> BatchOrder:
    moves = tuple(
        Move(
            kind=TRANSFER,
            actor_id=users[0].id,
            source=numbers[item["source"]],
            destination=numbers[item["destination"]],
            amount=item["amount"],
            limits=LIMITS,
        )
        for item in spec
    )
    return BatchOrder(owner_id=users[0].id, key=key, request_hash=key, mode=mode, moves=moves)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    spec=orders,
    balances=st.lists(st.integers(0, 6_000), min_size=3, max_size=3),
    mode=st.sampled_from([ATOMIC, INDEPENDENT]),
)
def test_an_order_decides_as_its_moves_one_after_another_and_atomic_is_all_or_none(
    db, make_user, make_account, spec, balances, mode
):
    in_order, one_by_one = (_world(db, make_user, make_account, balances) for _ in range(2))
    alone = [_shape(db.ledger.run_batch([move])[0]) for move in _order(spec, *one_by_one, mode).moves]
    refused_alone = any(shape[0] == "refused" for shape in alone)
    before = snapshot(db)
    outcome = db.ledger.run_batch([_order(spec, *in_order, mode)])[0]
    if (mode == ATOMIC and refused_alone) or all(shape[0] == "refused" for shape in alone):
        assert isinstance(outcome, BatchRefused)
        codes = [getattr(item, "code", None) for item in outcome.items]
        # Refused items keep the rule's own reason; the rest of an atomic batch did not move because of them.
        assert [code if code != "batch_not_applied" else None for code in codes] == [
            shape[1] if shape[0] == "refused" else None for shape in alone
        ]
        after = snapshot(db)
        assert (after["balances"], after["transfers"], after["entries"]) == (
            before["balances"],
            before["transfers"],
            before["entries"],
        )
    else:
        record, replayed = outcome
        assert not replayed
        shapes = [
            ("ok", item.kind, item.amount, False) if hasattr(item, "kind") else ("refused", item.code)
            for item in record.items
        ]
        assert shapes == alone
        assert _balances(db, in_order[1]) == _balances(db, one_by_one[1])
        assert db.ledger.run_batch([_order(spec, *in_order, mode)])[0] == (record, True)
    assert_ledger_clean(db)


@pytest.mark.slow
def test_batches_racing_single_moves_conserve_money_and_never_overdraw(db, make_user, make_account):
    people = [make_user() for _ in range(4)]
    numbers = [make_account(owner=person, balance=5_000).number for person in people]
    total = customer_total(db)
    errors = []

    def mover(seat: int) -> None:
        try:
            for round_ in range(30):
                batch = [
                    Move(
                        kind=TRANSFER,
                        actor_id=people[(seat + i) % 4].id,
                        source=numbers[(seat + i) % 4],
                        destination=numbers[(seat + i + 1) % 4],
                        amount=700 + 97 * ((round_ + i) % 9),
                    )
                    for i in range(1 + round_ % 5)
                ]
                if seat % 4 == 1:
                    db.ledger.run_batch(batch)
                elif seat % 4 == 3:
                    # A customer's own order: every move from the seat's own account, all or none.
                    order = [
                        Move(
                            kind=TRANSFER,
                            actor_id=people[seat % 4].id,
                            source=numbers[seat % 4],
                            destination=numbers[(seat + 1 + i) % 4],
                            amount=move.amount,
                        )
                        for i, move in enumerate(batch[:3])
                    ]
                    try:  # through the process's batcher, in one transaction with whatever else waits
                        db.ledger.submit(
                            BatchOrder(
                                owner_id=people[seat % 4].id,
                                key=f"{seat}-{round_}",
                                request_hash="h",
                                mode=ATOMIC if round_ % 2 else INDEPENDENT,
                                moves=tuple(order),
                            )
                        )
                    except BatchRefused:
                        pass
                else:
                    for move in batch:
                        try:
                            db.ledger.submit(move)
                        except Exception as error:
                            if getattr(error, "code", None) != "insufficient_funds":
                                raise
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=mover, args=(seat,)) for seat in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert customer_total(db) == total
    assert min(_balances(db, numbers)) >= 0
    assert (
        db.read(
            lambda conn: conn.execute(
                select(func.min(accounts.c.balance)).where(accounts.c.kind == "customer")
            ).scalar()
        )
        >= 0
    )
    assert_ledger_clean(db)
