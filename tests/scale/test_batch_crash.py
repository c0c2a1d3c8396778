"""Transfer batches while `minibank serve` is killed with SIGKILL mid-batch, on each engine: every
acknowledged batch is there exactly once, no atomic batch is there in part, no transfer is there
without its batch, and both verify commands are clean."""

import http.client
import json
import random
import threading
import time
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from minibank import create_app
from minibank.models import transfer_batches, transfers
from minibank.store.batch_rows import results_from

from ..support.factories import PASSWORD, Factory
from ..support.ledger import customer_total, verify_commands
from ..support.production import production_env, production_servers

pytestmark = pytest.mark.slow
CUSTOMERS = 8
CLIENTS = 4
ITEMS = 60
KILLS = 3
APART = 1.5


def _post(url: str, body: dict | None, headers: dict) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        method="POST" if body is not None else "GET",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _world(database_url: str):
    app = create_app({"DATABASE_URL": database_url, "RATELIMIT_ENABLED": False})
    db = app.extensions["minibank.db"]
    factory = Factory(db, currency=app.config["CURRENCY"])
    people = []
    for _ in range(CUSTOMERS):
        user = factory.user()
        people.append((user, [factory.account(owner=user, balance=50_000).number for _ in range(2)]))
    return db, people


class Sender(threading.Thread):
    """One customer's client: batches under fresh keys, each retried with its key until it is answered."""

    def __init__(self, seat: int, base: str, token: str, own: list[str], others: list[str], stop: threading.Event):
        super().__init__(daemon=True)
        self.seat, self.base, self.stop = seat, base, stop
        self.headers = {"Authorization": f"Bearer {token}"}
        self.own, self.others = own, others
        self.random = random.Random(seat)
        self.acked: dict[str, dict] = {}  # key -> the 201 answer
        self.refused: set[str] = set()  # keys answered 422 batch_refused: nothing of them may be there
        self.errors: list[str] = []
        self.interrupted = 0  # batches cut off by a kill and sent again

    def run(self) -> None:
        round_ = 0
        while not self.stop.is_set():
            round_ += 1
            key = f"seat{self.seat}-{round_}"
            body = {
                "mode": "atomic" if round_ % 2 else "independent",
                "transfers": [
                    {
                        "from_account": self.random.choice(self.own),
                        "to_account": self.random.choice(self.others),
                        "amount": f"{self.random.randint(1, 900) / 100:.2f}",
                    }
                    for _ in range(ITEMS)
                ],
            }
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    status, answer = _post(
                        f"{self.base}/api/v1/transfer-batches", body, {**self.headers, "Idempotency-Key": key}
                    )
                except (OSError, http.client.HTTPException, ValueError):
                    status, answer = 0, {}  # the kill cut the answer off: connection, status line or body
                if status == 201:
                    self.acked[key] = answer
                    break
                if status == 422 and answer.get("code") == "batch_refused":
                    self.refused.add(key)
                    break
                if status not in (0, 502, 503):
                    self.errors.append(f"{key}: {status} {answer}")
                    return
                self.interrupted += 1
                time.sleep(0.05)  # the server is down or restarting: the same key again
            else:
                self.errors.append(f"{key}: never answered")
                return


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_batches_survive_sigkill_mid_batch(engine, request, tmp_path):
    database_url = request.getfixturevalue(f"{engine}_url")
    db, people = _world(database_url)
    total = customer_total(db)
    env = production_env(database_url, tmp_path)
    with production_servers(env, tmp_path) as [server]:
        tokens = [
            _post(f"{server.base}/api/v1/auth/token", {"email": user.email, "password": PASSWORD}, {})[1][
                "access_token"
            ]
            for user, _ in people
        ]
        stop = threading.Event()
        everyone = [number for _, numbers in people for number in numbers]
        senders = [
            Sender(
                seat,
                server.base,
                tokens[seat],
                people[seat][1],
                [n for n in everyone if n not in people[seat][1]],
                stop,
            )
            for seat in range(CLIENTS)
        ]
        for sender in senders:
            sender.start()
        for _ in range(KILLS):
            time.sleep(APART)
            server.kill()
            server.start()
            server.wait_ready()
        time.sleep(APART)
        stop.set()
        for sender in senders:
            sender.join(timeout=120)
    assert not [error for sender in senders for error in sender.errors]
    acked = {key: answer for sender in senders for key, answer in sender.acked.items()}
    assert len(acked) >= KILLS, "too few batches went through to prove anything"
    assert sum(sender.interrupted for sender in senders) > 0, "no kill cut a batch off"

    def stored(conn):
        t = transfer_batches.c
        return conn.execute(
            select(t.idempotency_key, t.id, t.mode, t.item_count, t.accepted_count, t.results, t.created_at, t.owner_id)
        ).all()

    rows = {row.idempotency_key: row for row in db.read(stored)}
    # Every acknowledged batch is there, once, as it was answered; nothing refused is there.
    assert set(acked) <= set(rows)
    assert not {key for sender in senders for key in sender.refused} & set(rows)
    for key, answer in acked.items():
        assert rows[key].id == answer["id"] and rows[key].accepted_count == answer["moved"]
    # No atomic batch in part; every transfer belongs to exactly one batch (no transfer without its batch).
    batch_transfers = []
    for row in rows.values():
        items = results_from(row.results, owner_id=row.owner_id, created_at=row.created_at)
        moved = [item.id for item in items if hasattr(item, "kind")]
        assert len(moved) == row.accepted_count
        if row.mode == "atomic":
            assert row.accepted_count == row.item_count
        batch_transfers += moved
    in_ledger = db.read(
        lambda conn: conn.execute(select(transfers.c.id).where(transfers.c.kind == "transfer")).scalars().all()
    )
    assert sorted(batch_transfers) == sorted(in_ledger)
    assert (
        db.read(lambda conn: conn.execute(select(func.count()).select_from(transfers)).scalar())
        == len(in_ledger) + CUSTOMERS * 2
    )  # and the deposits that funded the accounts
    assert customer_total(db) == total
    assert verify_commands(database_url) == []
    db.dispose()
