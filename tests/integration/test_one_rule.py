"""The transfer rule is one Python function: change it, and every movement of money follows it,
on both engines, in-process and under both ways the bank is served."""

from pathlib import Path

import pytest
import requests

from minibank.domain import transfers as rule
from minibank.domain.errors import LimitExceeded

from ..support.api import Bank
from ..support.factories import PASSWORD
from ..support.production import ProductionServer, production_env
from .test_serving_modes import seeded_payer

REFUSED = 4242  # 42.42, in minor units
CHANGED_RULE = Path(__file__).resolve().parent.parent / "support" / "changed_rule"


@pytest.fixture
def bank(auth, make_user, make_account):
    return Bank(auth, make_user, make_account)


def test_a_changed_rule_refuses_transfers_and_cash_moves(client, bank, monkeypatch):
    original = rule.check_transfer

    def changed(**facts):
        if facts["amount"] == REFUSED:
            raise LimitExceeded("This bank's rule refuses that exact amount.")
        return original(**facts)

    monkeypatch.setattr(rule, "check_transfer", changed)
    teller, alice, bob = bank.teller(), bank.customer(balance=100_00), bank.customer()

    def send(amount):
        return client.post(
            "/api/v1/transfers",
            headers=alice.headers,
            json={"from_account": alice.account, "to_account": bob.account, "amount": amount},
        )

    refused = send("42.42")
    assert (refused.status_code, refused.get_json()["code"]) == (422, "limit_exceeded")
    assert send("42.43").status_code == 201
    for kind in ("deposits", "withdrawals"):
        cash = client.post(
            f"/api/v1/admin/{kind}", headers=teller.headers, json={"account": bob.account, "amount": "42.42"}
        )
        assert (cash.status_code, cash.get_json()["code"]) == (422, "limit_exceeded")


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["development", "production"])
def test_a_changed_rule_takes_effect_in_every_serving_mode(database_url, tmp_path, mode):
    env = production_env(
        database_url,
        tmp_path,
        MINIBANK_ENV=mode,
        MINIBANK_TEST_REFUSED_AMOUNT=str(REFUSED),
        PYTHONPATH=str(CHANGED_RULE),
    )
    if mode == "development":
        del env["MINIBANK_SECRET_KEY"]  # development makes its own in the instance folder
    email, source, other = seeded_payer(database_url)
    server = ProductionServer(env, tmp_path / "serve.log", workers=None, threads=None)
    server.start()
    try:
        server.wait_ready()
        token = requests.post(
            f"{server.base}/api/v1/auth/token", json={"email": email, "password": PASSWORD}, timeout=10
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        def send(amount):
            return requests.post(
                f"{server.base}/api/v1/transfers",
                headers=headers,
                timeout=10,
                json={"from_account": source, "to_account": other, "amount": amount},
            )

        refused = send("42.42")
        assert (refused.status_code, refused.json()["code"]) == (422, "limit_exceeded"), refused.text
        assert send("42.43").status_code == 201
    finally:
        server.stop()
