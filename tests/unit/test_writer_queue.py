"""SQLite's write turn: one holder at a time across processes and threads, re-entrant within a thread."""

import multiprocessing
import threading

from minibank.writer_queue import WriterQueue

_fork = multiprocessing.get_context("fork")


def _take_turn(queue: WriterQueue, got) -> None:
    with queue.turn():
        got.set()


def test_another_process_waits_for_the_turn_until_it_is_released(tmp_path):
    queue = WriterQueue(str(tmp_path / "bank.db-writers"))
    got = _fork.Event()
    with queue.turn():
        # The child inherits this very queue object: it must not inherit the lock with it.
        child = _fork.Process(target=_take_turn, args=(queue, got))
        child.start()
        assert not got.wait(0.5)
    assert got.wait(10)
    child.join(10)
    assert child.exitcode == 0


def test_another_thread_waits_for_the_turn_until_it_is_released(tmp_path):
    queue = WriterQueue(str(tmp_path / "bank.db-writers"))
    got = threading.Event()
    with queue.turn():
        other = threading.Thread(target=_take_turn, args=(queue, got))
        other.start()
        assert not got.wait(0.5)
    assert got.wait(10)
    other.join(10)


def test_a_thread_holding_the_turn_may_take_it_again(tmp_path):
    queue = WriterQueue(str(tmp_path / "bank.db-writers"))
    got = threading.Event()
    with queue.turn():
        _take_turn(queue, got)
    assert got.is_set()
