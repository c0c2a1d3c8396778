"""What the audit trail records: refusals, nothing for a rolled-back transfer, and paging."""

import json

import pytest
from sqlalchemy import select

from minibank.domain import errors
from minibank.models import audit_events
from minibank.services import audit, transfers

from ..support.audit import count_events
from ..support.faults import failing_inserts
from ..support.ledger import snapshot


def last_event(db):
    return db.read(lambda c: c.execute(select(audit_events).order_by(audit_events.c.id.desc()).limit(1)).one())


@pytest.fixture
def alice_pays(db, make_user, make_account):
    """send(**overrides): alice sends 100 to another customer; refusals propagate."""
    alice = make_user()
    source, destination = make_account(owner=alice, balance=1_000), make_account()

    def send(**overrides):
        kwargs = dict(actor_id=alice.id, source=source.number, destination=destination.number, amount=100)
        kwargs.update(overrides)
        return transfers.transfer(db, **kwargs)

    send.alice, send.source, send.destination = alice, source, destination
    return send


def test_a_refused_transfer_is_recorded_against_its_account(db, alice_pays):
    with pytest.raises(errors.InsufficientFunds):
        alice_pays(amount=5_000, client_ip="192.0.2.7")
    row = last_event(db)
    assert (row.event, row.outcome, row.actor_id, row.object, row.client_ip) == (
        "transfer.refused",
        "refused",
        alice_pays.alice.id,
        alice_pays.source.number,
        "192.0.2.7",
    )
    assert json.loads(row.details) == {
        "code": "insufficient_funds",
        "amount": 5_000,
        "counterparty": alice_pays.destination.number,
    }


MALFORMED = {
    "zero amount": (dict(amount=0), errors.InvalidAmount, "invalid_amount"),
    "float amount": (dict(amount=1.5), errors.InvalidAmount, "invalid_amount"),
    "memo too long": (dict(memo="x" * 141), errors.InvalidInput, "validation_error"),
    "long idempotency key": (dict(idempotency_key="k" * 300), errors.InvalidInput, "validation_error"),
    "garbage source": (dict(source="not-a-number" * 20), errors.AccountNotFound, "not_found"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_input_is_recorded_against_no_object(db, alice_pays, case):
    overrides, error, code = MALFORMED[case]
    before = snapshot(db)
    with pytest.raises(error):
        alice_pays(**overrides)
    row = last_event(db)
    assert (row.event, row.object, json.loads(row.details)) == ("transfer.refused", None, {"code": code})
    assert snapshot(db) == before


def test_teller_refusals_are_kind_specific(db, make_account):
    account = make_account(balance=100)
    with pytest.raises(errors.InsufficientFunds):
        transfers.withdraw(db, account=account.number, amount=101, actor_id=None)
    assert (last_event(db).event, last_event(db).object) == ("withdrawal.refused", account.number)
    with pytest.raises(errors.AccountNotFound):
        transfers.deposit(db, account="1234567889", amount=1)  # valid check digits, no such account
    assert (last_event(db).event, last_event(db).object) == ("deposit.refused", "1234567889")
    with pytest.raises(errors.AccountNotFound):
        transfers.deposit(db, account="12", amount=1)
    assert (last_event(db).event, last_event(db).object) == ("deposit.refused", None)


@pytest.mark.parametrize("failing_table", ["entries", "audit_events"])
def test_a_rolled_back_transfer_leaves_no_event(db, alice_pays, failing_table):
    before, events = snapshot(db), count_events(db)
    with failing_inserts(db, failing_table), pytest.raises(errors.LedgerUnavailable):
        alice_pays()
    assert snapshot(db) == before
    assert count_events(db) == events  # neither "transfer" nor "transfer.refused"


def test_events_page_newest_first_with_a_keyset_cursor(db, alice_pays):
    for _ in range(3):
        alice_pays()
    everything = audit.list_events(db, limit=200).items
    assert [e.id for e in everything] == sorted((e.id for e in everything), reverse=True)
    assert everything[0].event == "transfer" and everything[0].details["amount"] == 100
    seen, cursor = [], None
    while True:
        page = audit.list_events(db, limit=2, before_id=cursor)
        seen += page.items
        cursor = page.next_before_id
        if cursor is None:
            break
    assert seen == everything


@pytest.mark.parametrize("kwargs", [dict(limit=0), dict(limit=201), dict(limit="5"), dict(limit=5, before_id=0)])
def test_bad_paging_is_refused(db, kwargs):
    with pytest.raises(errors.InvalidInput):
        audit.list_events(db, **kwargs)
