"""Whenever money may have moved, no answer says "nothing was changed": it says the outcome is unknown."""

import psycopg
import pytest

from minibank.api import transfers as api_transfers
from minibank.domain.errors import BankError, OutcomeUnknown
from minibank.services import accounts

from ..support.ledger import snapshot
from ..support.web import balance, hidden_fields
from .test_api_transfers import transfer

LOST = psycopg.OperationalError("server closed the connection unexpectedly")


def _fails_after_the_move(*args, **kwargs):
    raise LOST


def test_a_failure_after_a_committed_transfer_answers_outcome_unknown(client, db, bank, monkeypatch):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    monkeypatch.setattr(api_transfers, "created", _fails_after_the_move)
    response = transfer(client, alice, bob.account, "1.00")
    problem = response.get_json()
    assert response.status_code == 503 and problem["code"] == "outcome_unknown", problem
    assert "Nothing was changed" not in problem["detail"] and "Idempotency-Key" in problem["detail"]
    assert response.headers["Retry-After"]
    assert accounts.get_by_number(db, number=bob.account, owner_id=None).balance == 100  # it did move


@pytest.mark.parametrize("why", ["refused", "before any move"])
def test_a_failure_when_nothing_moved_still_says_so(client, db, bank, monkeypatch, why):
    alice, bob = bank.customer(balance=10_000 if why != "refused" else 0), bank.customer()
    before = snapshot(db)
    if why == "refused":
        real = api_transfers.transfers.transfer

        def refused_then_lost(db, **move):
            with pytest.raises(BankError, match="enough"):
                real(db, **move)  # a certain refusal: nothing moved
            raise LOST

        monkeypatch.setattr(api_transfers.transfers, "transfer", refused_then_lost)
    else:
        monkeypatch.setattr(api_transfers, "parse_amount", _fails_after_the_move)
    response = transfer(client, alice, bob.account, "1.00")
    problem = response.get_json()
    assert response.status_code == 503 and problem["code"] == "unavailable", problem
    assert "Nothing was changed" in problem["detail"]
    assert snapshot(db) == before


def test_the_web_form_comes_back_with_the_same_token_when_the_outcome_is_unknown(
    client, db, customer, make_user, make_account, banking, monkeypatch
):
    _, funded, _ = customer
    payee = make_account(owner=make_user(email="dan@example.com"), balance=0)
    data = banking.confirm_data(funded.number, payee.number, "10.00")

    def unknown(unit):
        raise OutcomeUnknown()

    with monkeypatch.context() as patch:
        patch.setattr(db.ledger, "submit", unknown)
        response = banking.confirm(data)
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and "could not confirm whether this transfer was sent" in page
    assert "Confirm and send" in page and hidden_fields(page)["token"] == data["token"]
    assert banking.confirm(data).status_code == 303  # sending it again is safe: the same key
    assert balance(db, funded.number) == 9_000
