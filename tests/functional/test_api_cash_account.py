"""Through the API, the bank's cash account is never a customer's to see, read or pay."""

from sqlalchemy import select

from minibank.domain.transfers import SYSTEM
from minibank.models import accounts

from ..support.ledger import snapshot

API = "/api/v1"


def _cash_number(db) -> str:
    return db.read(lambda conn: conn.execute(select(accounts.c.number).where(accounts.c.kind == SYSTEM)).scalar())


def test_a_customer_cannot_pay_or_read_the_cash_account(client, db, bank):
    carol = bank.customer(balance=50_00)
    cash = _cash_number(db)
    before = snapshot(db)
    paid = client.post(
        f"{API}/transfers",
        json={"from_account": carol.account, "to_account": cash, "amount": "1.00"},
        headers=carol.headers,
    )
    assert (paid.status_code, paid.get_json()["code"]) == (422, "unknown_destination")
    assert snapshot(db) == before
    for path in (f"{API}/accounts/{cash}", f"{API}/accounts/{cash}/transactions"):
        read = client.get(path, headers=carol.headers)
        assert (read.status_code, read.get_json()["code"]) == (404, "not_found")


def test_cash_moves_never_name_the_cash_account(client, db, bank):
    teller, carol = bank.teller(), bank.customer()
    cash = _cash_number(db)
    deposit = client.post(
        f"{API}/admin/deposits", json={"account": carol.account, "amount": "30.00"}, headers=teller.headers
    ).get_json()
    withdrawal = client.post(
        f"{API}/admin/withdrawals", json={"account": carol.account, "amount": "10.00"}, headers=teller.headers
    ).get_json()
    assert (deposit["from_account"], deposit["to_account"]) == (None, carol.account)
    assert (withdrawal["from_account"], withdrawal["to_account"]) == (carol.account, None)
    for moved in (deposit, withdrawal):
        seen = client.get(f"{API}/transfers/{moved['id']}", headers=carol.headers)
        assert seen.status_code == 200 and seen.get_json() == moved
        assert cash not in seen.get_data(as_text=True)
    history = client.get(f"{API}/accounts/{carol.account}/transactions", headers=carol.headers)
    assert cash not in history.get_data(as_text=True)
