"""SQLite's write turn: one holder at a time across processes and threads, re-entrant within a thread."""

import multiprocessing
import threading

import pytest

from minibank.writer_queue import WriterQueue

_fork = multiprocessing.get_context("fork")


def _take_turn(queue: WriterQueue, got) -> None:
    with queue.turn():
        got.set()


def _in_a_child_process(queue: WriterQueue, got):
    # The child inherits this very queue object: it must not inherit the held lock with it.
    return _fork.Process(target=_take_turn, args=(queue, got))


def _in_another_thread(queue: WriterQueue, got):
    return threading.Thread(target=_take_turn, args=(queue, got))


@pytest.mark.parametrize(
    ("other", "event"), [(_in_a_child_process, _fork.Event), (_in_another_thread, threading.Event)]
)
def test_another_writer_waits_for_the_turn_until_it_is_released(tmp_path, other, event):
    queue = WriterQueue(str(tmp_path / "bank.db-writers"))
    got = event()
    with queue.turn():
        writer = other(queue, got)
        writer.start()
        assert not got.wait(0.5)
    assert got.wait(10)
    writer.join(10)


def test_a_thread_holding_the_turn_may_take_it_again(tmp_path):
    queue = WriterQueue(str(tmp_path / "bank.db-writers"))
    got = threading.Event()
    with queue.turn():
        _take_turn(queue, got)
    assert got.is_set()
