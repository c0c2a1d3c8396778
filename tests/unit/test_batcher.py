"""The leader-and-followers batcher: each caller gets its own item's outcome, or an error, never nothing."""

import pytest

from minibank.store.batcher import Batcher


def test_each_caller_gets_its_own_result():
    batcher = Batcher(lambda items: [item * 2 for item in items], max_batch=10)
    assert batcher.submit(21) == 42


def test_an_error_outcome_is_raised_in_its_caller():
    batcher = Batcher(lambda items: [ValueError(f"no {item}") for item in items], max_batch=10)
    with pytest.raises(ValueError, match="no 7"):
        batcher.submit(7)


def test_a_handler_that_answers_too_few_items_is_an_error_not_a_missing_result():
    # Without the check the caller got None back (and a follower would have waited for ever).
    batcher = Batcher(lambda items: [], max_batch=10)
    with pytest.raises(RuntimeError, match="0 outcomes for 1 items"):
        batcher.submit("transfer")
