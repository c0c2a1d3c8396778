"""The audit trail's hash chain: the sealer links events, verify finds every kind of tampering."""

import pytest
from sqlalchemy import delete, insert, text

from minibank.db import Database
from minibank.models import audit_events, utcnow
from minibank.ops.sealer import start_sealer
from minibank.services import audit, audit_chain, transfers
from minibank.store import audit_seal

from ..support.audit import CONTENT, count_events, row_at, set_columns, unsealed
from ..support.waiting import wait_until


@pytest.fixture
def events(db, make_user, make_account):
    """A bank with a few sealed audit events; returns how many."""
    alice = make_user()
    source, destination = make_account(owner=alice, balance=10_000), make_account()
    for amount in (100, 200, 300):
        transfers.transfer(db, actor_id=alice.id, source=source.number, destination=destination.number, amount=amount)
    total = count_events(db)
    assert audit_seal.seal(db) == total
    return total


def test_clean_chain_verifies(db, events):
    report = audit_chain.verify(db)
    assert report.ok, report.problem
    assert (report.sealed, report.unsealed, report.head_seq) == (events, 0, events)
    assert report.head_hash == row_at(db, events).hash
    assert row_at(db, 1).prev_hash == audit_seal.GENESIS
    assert audit_seal.seal(db) == 0


def test_sealing_continues_the_chain(db, events, make_account):
    make_account(balance=500)
    assert unsealed(db) == 3  # user registered, account opened, deposit
    assert audit_chain.verify(db).unsealed == 3
    assert audit_seal.seal(db, batch=2) == 3
    report = audit_chain.verify(db)
    assert report.ok and report.head_seq == events + 3
    assert row_at(db, events + 1).prev_hash == row_at(db, events).hash


def test_an_empty_trail_verifies(db):
    assert audit_seal.seal(db) == 0
    report = audit_chain.verify(db)
    assert report.ok and report.sealed == 0 and report.head_hash == audit_seal.GENESIS


def test_an_edited_event_is_named(db, events):
    set_columns(db, 3, details='{"amount":1}')
    problem = audit_chain.verify(db).problem
    assert (problem.id, problem.seq) == (row_at(db, 3).id, 3)
    assert "changed" in problem.reason


def test_a_deleted_event_is_found_at_the_gap(db, events):
    db.write(lambda conn: conn.execute(delete(audit_events).where(audit_events.c.seq == 4)))
    problem = audit_chain.verify(db).problem
    assert (problem.id, problem.seq) == (row_at(db, 5).id, 5)
    assert "removed" in problem.reason


def test_a_forged_event_with_a_made_up_hash_is_named(db, events):
    head = row_at(db, events)
    forged_id = _insert_forged(db, seq=events + 1, prev_hash=head.hash, hash="f" * 64)
    problem = audit_chain.verify(db).problem
    assert (problem.id, problem.seq) == (forged_id, events + 1)


def test_a_forged_event_hashed_into_the_middle_breaks_the_next_link(db, events):
    # The forger renumbers the later events and hashes the forgery properly; the
    # event after it still points at the hash of the event before the forgery.
    following = row_at(db, 3)
    for seq in range(events, 2, -1):
        set_columns(db, seq, seq=seq + 1)
    forged_id = _insert_forged(db, seq=3, prev_hash=row_at(db, 2).hash, hash=None)
    forged = row_at(db, 3)
    set_columns(db, 3, hash=audit_seal.chain_hash(forged.prev_hash, forged, 3))
    problem = audit_chain.verify(db).problem
    assert forged_id != following.id
    assert (problem.id, problem.seq) == (following.id, 4)


def test_swapped_contents_are_named(db, events):
    second, fifth = row_at(db, 2), row_at(db, 5)
    set_columns(db, 2, **{name: getattr(fifth, name) for name in CONTENT})
    set_columns(db, 5, **{name: getattr(second, name) for name in CONTENT})
    problem = audit_chain.verify(db).problem
    assert (problem.id, problem.seq) == (second.id, 2)


def test_reordered_events_are_named(db, events):
    second, fifth = row_at(db, 2), row_at(db, 5)
    set_columns(db, 2, seq=-1)
    set_columns(db, 5, seq=2)
    set_columns(db, -1, seq=5)
    problem = audit_chain.verify(db).problem
    assert (problem.id, problem.seq) == (fifth.id, 2)
    assert second.id != fifth.id


def test_a_half_sealed_event_is_named(db, events):
    set_columns(db, 3, seq=None)
    problem = audit_chain.verify(db).problem
    assert problem.reason.startswith("half-sealed")


def test_anchors_catch_a_cut_tail_and_a_rewritten_chain(db, events):
    anchors = {events: row_at(db, events).hash}
    db.write(lambda conn: conn.execute(delete(audit_events).where(audit_events.c.seq == events)))
    assert audit_chain.verify(db).ok  # a chain alone cannot see its own tail cut off
    problem = audit_chain.verify(db, anchors=anchors).problem
    assert (problem.id, problem.seq) == (None, events)
    _insert_forged(db, seq=None, prev_hash=None, hash=None)
    audit_seal.seal(db)  # the forger re-seals: the chain links again, the anchor still differs
    assert audit_chain.verify(db).ok
    problem = audit_chain.verify(db, anchors=anchors).problem
    assert problem.seq == events and "anchor" in problem.reason


def _insert_forged(db, *, seq, prev_hash, hash):
    values = dict(created_at=utcnow(), event="transfer", object="transfer:999", outcome="success", details="{}")
    return db.write(
        lambda conn: conn.execute(
            insert(audit_events).values(**values, seq=seq, prev_hash=prev_hash, hash=hash).returning(audit_events.c.id)
        ).scalar_one()
    )


def test_a_late_commit_of_a_lower_id_gets_a_later_seq(postgres_url):
    db = Database(postgres_url)
    try:
        with db.engine.connect() as slow:
            with slow.begin():
                audit.record(slow, event="test.slow")  # takes the lower id, commits last
                db.write(lambda conn: audit.record(conn, event="test.fast"))
                assert audit_seal.seal(db) == 1
            assert audit_seal.seal(db) == 1
        slow_row, fast_row = (
            db.read(lambda c, e=e: c.execute(audit_events.select().where(audit_events.c.event == e)).one())
            for e in ("test.slow", "test.fast")
        )
        assert slow_row.id < fast_row.id and slow_row.seq > fast_row.seq
        assert audit_chain.verify(db).ok
    finally:
        db.dispose()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_sealer_holding_its_lock_never_blocks_writers(db, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=1_000), make_account()
    with db.engine.connect() as sealer:
        with sealer.begin():
            sealer.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": audit_seal._SEAL_LOCK})
            transfers.transfer(db, actor_id=alice.id, source=source.number, destination=destination.number, amount=1)
            assert audit_seal.seal(db, wait=False) == 0
    assert audit_seal.seal(db) == count_events(db)


def test_the_sealer_thread_seals_until_stopped(app, db, events, make_account):
    app.config["AUDIT_SEALER"] = False
    assert start_sealer(app) is None
    app.config["AUDIT_SEALER"] = True
    sealer = start_sealer(app, interval=0.01)
    try:
        make_account(balance=1)
        wait_until(lambda: unsealed(db) == 0, "the sealer thread", seconds=20)
    finally:
        sealer.stop()
    assert not sealer.thread.is_alive()
    assert unsealed(db) == 0 and audit_chain.verify(db).ok


def test_the_sealer_reads_only_the_unsealed_events_however_long_the_trail(db, events):
    if db.dialect != "sqlite":
        pytest.skip("SQLite's planner only: it preferred a walk of the whole table after ANALYZE")
    db.write(lambda conn: conn.execute(text("ANALYZE")))
    plan = db.read(
        lambda conn: conn.execute(
            text("EXPLAIN QUERY PLAN " + audit_seal._UNSEALED["sqlite"].text), {"batch": 500}
        ).all()
    )
    assert any("ix_audit_events_unsealed" in row[-1] for row in plan), plan
