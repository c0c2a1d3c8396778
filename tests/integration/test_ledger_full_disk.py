"""SQLite out of space in the middle of batches: nothing committed is reported failed, nothing failed is
committed, and once there is room again the same requests (by their keys) go through."""

import threading

from sqlalchemy import event, func, select

from minibank.db import Database
from minibank.domain.errors import BankError, LedgerUnavailable
from minibank.models import transfer_batches
from minibank.models import transfers as transfer_rows
from minibank.services import batches, transfers

from ..support.factories import Factory
from ..support.ledger import assert_ledger_clean, customer_total

SENDERS = 8
MOVES = 25


def _cap(db: Database, pages: int):
    """Every new connection may grow the database to ``pages`` pages at most."""

    def on_connect(connection, _record):
        connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(db.engine, "connect", on_connect)
    db.engine.dispose()
    return on_connect


def test_out_of_space_mid_batch_loses_and_invents_nothing(sqlite_url):
    db = Database(sqlite_url)
    factory = Factory(db, currency="USD")
    people = [factory.user() for _ in range(SENDERS)]
    numbers = [factory.account(owner=person, balance=1_000_000).number for person in people]
    total = customer_total(db)
    pages = db.read(lambda conn: conn.exec_driver_sql("PRAGMA page_count").scalar())
    listener = _cap(db, pages + 4)
    outcomes: dict[str, object] = {}

    def sender(seat: int) -> None:
        for i in range(MOVES):
            memo = f"m-{seat}-{i}"
            key = memo if i % 2 else None  # with and without idempotency keys
            try:
                outcomes[memo] = transfers.transfer(
                    db,
                    actor_id=people[seat].id,
                    source=numbers[seat],
                    destination=numbers[(seat + 1) % SENDERS],
                    amount=100 + i,
                    memo=memo,
                    idempotency_key=key,
                )
            except BankError as error:
                outcomes[memo] = error

    threads = [threading.Thread(target=sender, args=(seat,)) for seat in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    failed = sorted(memo for memo, outcome in outcomes.items() if isinstance(outcome, BaseException))
    assert failed and len(failed) < len(outcomes), "the cap must fall in the middle of the run"
    assert all(isinstance(outcomes[memo], LedgerUnavailable) for memo in failed)
    stored = dict(
        db.read(
            lambda conn: conn.execute(
                select(transfer_rows.c.memo, transfer_rows.c.id).where(transfer_rows.c.memo.like("m-%"))
            ).all()
        )
    )
    assert set(stored) == set(outcomes) - set(failed), "exactly the acknowledged moves are in the ledger"
    assert all(stored[memo] == outcome.transfer.id for memo, outcome in outcomes.items() if memo not in failed)
    assert customer_total(db) == total
    assert_ledger_clean(db)

    event.remove(db.engine, "connect", listener)
    db.engine.dispose()
    for memo in failed:
        seat, i = map(int, memo.split("-")[1:])
        again = transfers.transfer(
            db,
            actor_id=people[seat].id,
            source=numbers[seat],
            destination=numbers[(seat + 1) % SENDERS],
            amount=100 + i,
            memo=memo,
            idempotency_key=memo if i % 2 else None,
        )
        assert not again.replayed  # it had never been written
    assert customer_total(db) == total
    assert_ledger_clean(db)
    db.dispose()


def test_a_batch_out_of_space_fails_whole_and_goes_through_once_there_is_room(sqlite_url):
    db = Database(sqlite_url)
    factory = Factory(db, currency="USD")
    alice, bob = factory.user(), factory.user()
    source, destination = (factory.account(owner=person, balance=1_000_000).number for person in (alice, bob))
    total = customer_total(db)
    pages = db.read(lambda conn: conn.exec_driver_sql("PRAGMA page_count").scalar())
    listener = _cap(db, pages + 2)
    items = [batches.BatchItem(source, destination, 100 + i, f"item {i} " + "x" * 100) for i in range(400)]
    for mode in ("atomic", "independent"):
        try:
            batches.submit(db, actor_id=alice.id, mode=mode, items=items, idempotency_key=mode)
        except LedgerUnavailable:
            pass
        else:
            raise AssertionError("the batch cannot fit in two pages")
        assert db.read(lambda conn: conn.execute(select(func.count()).select_from(transfer_rows)).scalar()) == 2
        assert db.read(lambda conn: conn.execute(select(func.count()).select_from(transfer_batches)).scalar()) == 0
    event.remove(db.engine, "connect", listener)
    db.engine.dispose()
    for mode in ("atomic", "independent"):
        record, replayed = batches.submit(db, actor_id=alice.id, mode=mode, items=items, idempotency_key=mode)
        assert (record.accepted, replayed) == (400, False)
    assert customer_total(db) == total
    assert_ledger_clean(db)
    db.dispose()
