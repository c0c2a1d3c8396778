"""Property: any sequence of deposits, withdrawals and transfers keeps the ledger whole."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minibank.domain.errors import BankError
from minibank.domain.transfers import Limits
from minibank.services import transfers

from ..support.ledger import assert_ledger_clean, snapshot

ACCOUNTS = 4
amounts = st.integers(min_value=-5, max_value=30_000)  # includes zero, negative and too-large amounts
slots = st.integers(min_value=0, max_value=ACCOUNTS)  # slot ACCOUNTS is a number that does not exist
operation = st.one_of(
    st.tuples(st.just("deposit"), slots, amounts),
    st.tuples(st.just("withdraw"), slots, amounts),
    st.tuples(st.just("transfer"), slots, slots, amounts, st.integers(0, 1)),
)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operation, min_size=1, max_size=20))
def test_any_sequence_keeps_the_ledger_whole(db, make_user, make_account, operations):
    owners = [make_user(), make_user()]
    numbers = [make_account(owner=owners[i % 2]).number for i in range(ACCOUNTS)] + ["1234567889"]
    limits = Limits(per_transfer=20_000, daily=50_000)
    for op in operations:
        before = snapshot(db)
        try:
            if op[0] == "deposit":
                transfers.deposit(db, account=numbers[op[1]], amount=op[2])
            elif op[0] == "withdraw":
                transfers.withdraw(db, account=numbers[op[1]], amount=op[2])
            else:
                _, source, destination, amount, actor = op
                transfers.transfer(
                    db,
                    actor_id=owners[actor].id,
                    source=numbers[source],
                    destination=numbers[destination],
                    amount=amount,
                    limits=limits,
                )
        except BankError:
            assert snapshot(db) == before  # a refusal changes nothing
    assert_ledger_clean(db)
