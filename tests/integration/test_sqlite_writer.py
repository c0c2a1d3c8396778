"""SQLite's writer process: every move (allowed, refused, replayed) goes through the engine it runs, and it never has to be there."""

import json
import os
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from structlog.testing import capture_logs

from minibank.domain import errors
from minibank.domain.moves import Move
from minibank.ops.sqlite_writer import WriterProcess
from minibank.services import accounts as account_service
from minibank.services import transfers as transfer_service
from minibank.store.writer_client import WriterClient, WriterUnavailable

from ..support.ledger import assert_ledger_clean
from ..support.waiting import wait_until


@pytest.fixture
def database_url(sqlite_url):
    """The writer process exists for SQLite only."""
    return sqlite_url


@pytest.fixture
def writer(db):
    """A running writer process for the test's bank, the bank's Database using it, and the rows it sent back."""
    process = WriterProcess(db.sqlite_path)
    client = WriterClient(process.socket_path)
    outcomes, send_to_writer = [], client.run

    def run(move):
        outcomes.append(send_to_writer(move))
        return outcomes[-1]

    db.ledger.writer = client
    client.run, client.outcomes = run, outcomes  # the same client, its answers recorded
    yield client
    db.ledger.writer = None
    client.close()
    process.stop()


MOVE = Move(kind="transfer", actor_id=1, source="1234567889", destination="1234567889", amount=1)


def send(db, actor, source, destination, amount, **kwargs):
    return transfer_service.transfer(
        db, actor_id=actor.id, source=source.number, destination=destination.number, amount=amount, **kwargs
    )


def balance(db, account):
    return account_service.get_by_number(db, number=account.number, owner_id=None).balance


def test_moves_refusals_and_replays_all_go_through_the_writer(db, writer, make_user, make_account):
    alice, bob = make_user(), make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account(owner=bob)

    moved = send(db, alice, source, destination, 2_500, idempotency_key="k-1")
    replayed = send(db, alice, source, destination, 2_500, idempotency_key="k-1")
    with pytest.raises(errors.InsufficientFunds):
        send(db, alice, source, destination, 7_501)

    assert replayed.replayed and replayed.transfer.id == moved.transfer.id
    first, again, refused = writer.outcomes[-3:]
    assert first == (moved.transfer, False) and again == (moved.transfer, True)
    assert isinstance(refused, errors.InsufficientFunds)
    assert balance(db, source) == 7_500 and balance(db, destination) == 2_500
    assert_ledger_clean(db)


def test_concurrent_moves_share_the_writer_and_lose_nothing(db, writer, make_user, make_account):
    people = [make_user() for _ in range(4)]
    owned = [make_account(owner=person, balance=1_000_000) for person in people]

    def pay(index: int):
        payer = index % 4
        return send(
            db, people[payer], owned[payer], owned[(payer + 1) % 4], 1 + index % 7, idempotency_key=f"pay-{index}"
        )

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(pay, range(200)))

    assert len({result.transfer.id for result in results}) == 200
    assert {outcome[0].id for outcome in writer.outcomes} >= {result.transfer.id for result in results}
    assert sum(balance(db, account) for account in owned) == 4_000_000
    assert_ledger_clean(db)


def test_without_a_writer_the_worker_runs_the_engine_itself(db, make_user, make_account, tmp_path):
    alice, bob = make_user(), make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account(owner=bob)
    db.ledger.writer = WriterClient(str(tmp_path / "nobody-listens.sock"))
    try:
        with pytest.raises(WriterUnavailable):
            db.ledger.writer.run(MOVE)
        send(db, alice, source, destination, 1_000)
    finally:
        db.ledger.writer.close()
        db.ledger.writer = None
    assert balance(db, destination) == 1_000


def test_a_writer_that_goes_away_mid_request_leaves_the_outcome_unknown(tmp_path):
    path = str(tmp_path / "w.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)

    def take_the_request_and_die():
        client, _ = listener.accept()
        client.recv(65536)
        client.close()

    threading.Thread(target=take_the_request_and_die, daemon=True).start()
    client = WriterClient(path)
    with pytest.raises(errors.OutcomeUnknown):
        client.run(MOVE)
    client.close()
    listener.close()


def test_a_writer_that_never_answers_leaves_the_outcome_unknown_after_the_reply_deadline(tmp_path):
    path = str(tmp_path / "w.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    held = []
    threading.Thread(target=lambda: held.append(listener.accept()), daemon=True).start()
    client = WriterClient(path, reply_timeout=0.5)
    with pytest.raises(errors.OutcomeUnknown):
        client.run(MOVE)  # a frozen writer: the request waits for the deadline, not for ever
    client.close()
    for connection, _ in held:
        connection.close()
    listener.close()


def test_the_writer_ends_when_its_parent_is_gone(db, tmp_path):
    orphan = subprocess.run(
        [
            sys.executable,
            "-m",
            "minibank.ops.sqlite_writer",
            db.sqlite_path,
            str(tmp_path / "w.sock"),
            str(os.getpid() + 1_000_000),
        ],  # not its parent: as if the parent had died
        timeout=30,
    )
    assert orphan.returncode == 0


def test_a_missing_writer_is_logged_once_not_once_per_move(db, make_user, make_account, tmp_path):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    db.ledger.writer = WriterClient(str(tmp_path / "nobody-listens.sock"))
    try:
        with capture_logs() as events:
            for _ in range(3):
                send(db, alice, source, destination, 100)
    finally:
        db.ledger.writer.close()
        db.ledger.writer = None
    assert [event["event"] for event in events].count("sqlite_writer.unavailable") == 1
    assert balance(db, destination) == 300


@pytest.mark.parametrize("garbage", [b"{not json\n", b'["transfer", "0000000000"]\n', b'{"kind": "transfer"}\n'])
def test_a_garbled_request_hangs_up_on_its_sender_and_the_writer_goes_on(db, writer, make_user, make_account, garbage):
    alice, bob = make_user(), make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account(owner=bob)
    sent_before = len(writer.outcomes)
    garbled = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    garbled.connect(writer.socket_path)
    garbled.sendall(garbage)
    garbled.settimeout(10)
    assert garbled.recv(100) == b""  # hung up: that sender's outcome is unknown, nobody else's
    garbled.close()

    moved = send(db, alice, source, destination, 1_000)
    # Through the writer, which is still there.
    assert writer.outcomes[sent_before:] == [(moved.transfer, False)]
    assert balance(db, destination) == 1_000


def test_a_customers_batch_goes_through_the_writer_with_each_items_reason(db, writer, make_user, make_account):
    from minibank.domain.errors import InvalidAmount
    from minibank.services import batches

    alice, bob = make_user(), make_user()
    source, destination = make_account(owner=alice, balance=1_000), make_account(owner=bob)
    sent = []
    writer.run = lambda unit, ask=writer.run: sent.append(unit) or ask(unit)
    items = [
        batches.BatchItem(source.number, destination.number, 600),
        batches.BatchItem(source.number, destination.number, 600),
        batches.BatchItem(source.number, destination.number, 0, refused=InvalidAmount("Not an amount.")),
        batches.BatchItem(source.number, destination.number, 400),
    ]
    record, replayed = batches.submit(db, actor_id=alice.id, mode="independent", items=items, idempotency_key="k")
    assert len(sent) == 1 and not replayed
    assert [getattr(item, "code", "moved") for item in record.items] == [
        "moved",
        "insufficient_funds",
        "invalid_amount",
        "moved",
    ]
    assert record.items[2].detail == "Not an amount."
    assert batches.submit(db, actor_id=alice.id, mode="independent", items=items, idempotency_key="k") == (record, True)
    with pytest.raises(errors.BankError) as refused:
        batches.submit(db, actor_id=alice.id, mode="atomic", items=items, idempotency_key="other")
    assert refused.value.code == "batch_refused" and len(sent) == 3
    assert (balance(db, source), balance(db, destination)) == (0, 1_000)
    assert_ledger_clean(db)


def test_the_writer_logs_one_json_object_per_line(db, tmp_path):
    path = str(tmp_path / "w.sock")
    command = [sys.executable, "-m", "minibank.ops.sqlite_writer", db.sqlite_path, path, str(os.getpid())]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: os.path.exists(path), "the writer to listen")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            sock.sendall(b"this is not a request\n")
            line = process.stdout.readline()
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
    assert json.loads(line)["event"] == "sqlite_writer.garbled_request"
