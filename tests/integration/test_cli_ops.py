"""`minibank verify-audit` and `minibank stats`."""

import re

from sqlalchemy import delete

from minibank.models import audit_events
from minibank.services import transfers

from ..support.audit import count_events, row_at, set_columns


def small_bank(db, make_user, make_account):
    alice = make_user()
    source, destination = make_account(owner=alice, balance=123_456), make_account()
    transfers.transfer(db, actor_id=alice.id, source=source.number, destination=destination.number, amount=6_544)
    make_account(owner=alice, currency="EUR", balance=99)
    return alice


def test_verify_audit_seals_then_passes(runner, db, make_user, make_account):
    small_bank(db, make_user, make_account)
    total = count_events(db)
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0, result.output
    assert f"sealed {total} new events" in result.output
    assert f"events: {total} chained, 0 not yet sealed" in result.output
    assert f"head {total}:{row_at(db, total).hash}" in result.output


def test_verify_audit_no_seal_only_checks(runner, db, make_user, make_account):
    small_bank(db, make_user, make_account)
    result = runner.invoke(args=["verify-audit", "--no-seal"])
    assert result.exit_code == 0, result.output
    assert f"events: 0 chained, {count_events(db)} not yet sealed" in result.output


def test_verify_audit_names_the_first_bad_event(runner, db, make_user, make_account):
    small_bank(db, make_user, make_account)
    assert runner.invoke(args=["verify-audit"]).exit_code == 0
    set_columns(db, 4, outcome="failure")
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert f"FAIL at event id {row_at(db, 4).id} seq 4: hash does not match" in result.output


def test_verify_audit_checks_anchors(runner, db, make_user, make_account):
    small_bank(db, make_user, make_account)
    head = re.search(r"head (\d+:[0-9a-f]{64})", runner.invoke(args=["verify-audit"]).output).group(1)
    assert runner.invoke(args=["verify-audit", "--anchor", head]).exit_code == 0
    seq = int(head.split(":")[0])
    db.write(lambda conn: conn.execute(delete(audit_events).where(audit_events.c.seq == seq)))
    result = runner.invoke(args=["verify-audit", "--anchor", head])
    assert result.exit_code == 1 and f"seq {seq}: an anchored event is missing" in result.output
    assert runner.invoke(args=["verify-audit", "--anchor", "12:abc"]).exit_code == 2


def test_stats(runner, db, make_user, make_account):
    small_bank(db, make_user, make_account)
    result = runner.invoke(args=["stats"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "users 2",
        "customer accounts 3",
        "transfers 3 (deposit 2, transfer 1)",
        "customer money 0.99 EUR, 1,234.56 USD",
    ]


def test_stats_on_an_empty_bank(runner):
    result = runner.invoke(args=["stats"])
    assert result.output.splitlines() == ["users 0", "customer accounts 0", "transfers 0 (none)", "customer money none"]
