"""`minibank serve` in production: gunicorn workers whose metrics add up, a sealer in each, a graceful stop."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from minibank import config
from minibank.db import Database
from minibank.ops.serve import gunicorn_options
from minibank.services import audit, audit_chain

from ..support.factories import PASSWORD, Factory
from ..support.production import SECRET, ProductionServer, production_env, production_servers
from ..support.waiting import wait_until

pytestmark = pytest.mark.slow
REQUESTS = 12


def get(url: str, timeout: float = 10) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def server(sqlite_url, tmp_path):
    """A production `minibank serve` with 2 workers that makes its own metrics directory; stopped and reaped afterwards."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    server = ProductionServer(
        production_env(sqlite_url, tmp_path, TMPDIR=str(scratch)), tmp_path / "server.log", metrics_dir=False
    )
    try:
        server.start()
        server.wait_ready()
        yield server.base, scratch
    finally:
        server.stop()
    assert server.process.returncode == 0, server.tail()
    assert not list(scratch.glob("minibank-metrics-*")), "serve removes the metrics directory it made"


def test_request_counts_add_up_over_workers(server):
    base, scratch = server
    assert len(list(scratch.glob("minibank-metrics-*"))) == 1
    for _ in range(REQUESTS):
        assert get(f"{base}/healthz")[0] == 200
    assert metric(base, "minibank_http_requests_total", route="/healthz") == REQUESTS


def metric(base: str, name: str, **labels: str) -> float:
    """The sum over workers of one series, read from /metrics."""
    status, body = get(f"{base}/metrics")
    assert status == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def test_metrics_count_a_transfer_under_two_workers(server, sqlite_url):
    base, _ = server
    db = Database(sqlite_url)
    try:
        factory = Factory(db, currency="USD")
        alice = factory.user(email="metrics-alice@example.com")
        source, destination = factory.account(owner=alice, balance=10_000), factory.account()
    finally:
        db.dispose()
    token = api_token(base, "metrics-alice@example.com")
    answers_: list = []
    for amount in ("1.00", "2.50"):
        send(base, token, {"from_account": source.number, "to_account": destination.number, "amount": amount}, answers_)
    send(base, token, {"from_account": source.number, "to_account": destination.number, "amount": "1000.00"}, answers_)
    assert [status for status, _ in answers_] == [201, 201, 422]
    # Whichever worker took each request, the scrape sums them all.
    assert metric(base, "minibank_transfers_total", kind="transfer", outcome="ok") == 2
    assert metric(base, "minibank_transfers_total", kind="transfer", outcome="insufficient_funds") == 1
    assert metric(base, "minibank_transferred_minor_units_total", currency="USD") == 350


def test_workers_seal_the_audit_trail(server, sqlite_url):
    db = Database(sqlite_url)
    try:
        for n in range(3):
            db.write(lambda conn, n=n: audit.record(conn, event="test.event", details={"n": n}))
        wait_until(lambda: audit_chain.verify(db).unsealed == 0, "the workers' sealers", seconds=20)
        report = audit_chain.verify(db)
        assert report.ok and report.sealed == 3
    finally:
        db.dispose()


POSTGRES = {"MINIBANK_DATABASE_URL": "postgresql+psycopg://bank@db.internal/bank"}
GREEN = "minibank.ops.green_worker.GreenWorker"


@pytest.mark.parametrize(
    ("environ", "pool"),
    [
        (POSTGRES, 3),  # a request thread, the sealer and the mailer
        ({**POSTGRES, "MINIBANK_THREADS": "4"}, 6),
        ({**POSTGRES, "MINIBANK_THREADS": "4", "MINIBANK_AUDIT_SEALER": "false"}, 5),
        ({**POSTGRES, "MINIBANK_THREADS": "4", "MINIBANK_MAIL_SENDER": "false"}, 5),
        ({**POSTGRES, "MINIBANK_THREADS": "4", "MINIBANK_DB_POOL_SIZE": "2"}, 2),
        ({**POSTGRES, "MINIBANK_THREADS": "4", "MINIBANK_ENV": "development"}, config.DEVELOPMENT_POOL_SIZE),
        ({}, 3),  # SQLite, the default database
        ({"MINIBANK_THREADS": "4"}, 6),
    ],
)
def test_one_worker_class_on_both_engines_and_threads_size_the_pool(tmp_path, environ, pool):
    environ = {
        "MINIBANK_ENV": "production",
        "MINIBANK_SECRET_KEY": SECRET,
        "MINIBANK_WORKERS": "3",
        "MINIBANK_PER_PROCESS_LIMITS": "true",
        **environ,
    }
    settings = config.load(environ, str(tmp_path))
    options = gunicorn_options(settings, host="127.0.0.1", port=5000)
    assert (options["workers"], options["worker_class"], settings["DB_POOL_SIZE"]) == (3, GREEN, pool)
    assert options["worker_connections"] == 1000  # room for slow clients beside the ordinary ones
    assert options["forwarded_allow_ips"] == ""  # only ProxyFix, by MINIBANK_PROXY_COUNT, reads X-Forwarded-*


@pytest.mark.parametrize(
    "name", ["MINIBANK_WORKERS", "MINIBANK_THREADS", "MINIBANK_GRACEFUL_TIMEOUT", "MINIBANK_DB_POOL_SIZE"]
)
@pytest.mark.parametrize("value", ["0", "many", "1000"])
def test_bad_sizes_stop_start_up(tmp_path, name, value):
    with pytest.raises(config.ConfigError, match=name):
        config.load({name: value}, str(tmp_path))


def answers(base: str) -> bool:
    """Whether a worker takes and answers a new request within a second."""
    try:
        return get(f"{base}/healthz", timeout=1)[0] == 200
    except OSError:
        return False


def moves_in_flight(base: str) -> float:
    """Moves the server's ledger engines hold (waiting for a batch, or in one), summed over its workers."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("minibank_ledger_moves_in_flight "):
                return float(line.split()[1])
    return 0.0


def send(base: str, token: str, body: dict, answers_: list) -> None:
    """POST one transfer and keep what came back: (status, JSON body), or the connection error."""
    request = urllib.request.Request(
        f"{base}/api/v1/transfers",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answers_.append((response.status, json.loads(response.read())["amount"]))
    except urllib.error.HTTPError as error:
        answers_.append((error.code, error.read().decode()))
    except OSError as error:
        answers_.append(("no answer", repr(error)))


def api_token(base: str, email: str) -> str:
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token",
        method="POST",
        headers={"Content-Type": "application/json"},
        data=json.dumps({"email": email, "password": PASSWORD}).encode(),
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["access_token"]


# Three workers on two cores: the SIGTERM often comes while a worker still boots (/readyz needs
# only one), before gunicorn's worker handlers are in place; it must stop that worker all the same.
@pytest.mark.parametrize(("workers", "threads", "in_flight"), [(2, 6, 5), (3, 2, 2)])
def test_sigterm_lets_requests_in_flight_finish(postgres_url, tmp_path, workers, threads, in_flight):
    db = Database(postgres_url)
    factory = Factory(db, currency="USD")
    sender = factory.user()
    source, target = factory.account(owner=sender, balance=100_00), factory.account()
    body = {"from_account": source.number, "to_account": target.number, "amount": "1.00"}
    results = []
    try:
        with production_servers(production_env(postgres_url, tmp_path), tmp_path, workers=workers, threads=threads) as [
            server
        ]:
            token = api_token(server.base, sender.email)
            with db.engine.connect() as holder, holder.begin():
                # Every transfer to ``target`` now waits for this lock, in flight inside a worker (in a
                # batch that waits for it, or queued behind one).
                holder.execute(text("SELECT id FROM accounts WHERE number = :n FOR UPDATE"), {"n": target.number})
                senders = [
                    threading.Thread(target=send, args=(server.base, token, body, results)) for _ in range(in_flight)
                ]
                for thread in senders:
                    thread.start()
                wait_until(lambda: moves_in_flight(server.base) == in_flight, "every transfer to wait for the lock")
                server.process.terminate()
                wait_until(lambda: not answers(server.base), "the workers to stop taking requests")
                holder.rollback()
            for thread in senders:
                thread.join(timeout=60)
            status = server.process.wait(timeout=60)
        sent = db.read(
            lambda conn: conn.execute(text("SELECT count(*) FROM transfers WHERE kind = 'transfer'")).scalar()
        )
    finally:
        db.dispose()
    assert results == [(201, "1.00")] * in_flight
    assert status == 0, server.tail()
    assert sent == in_flight
