"""`minibank serve` in production: gunicorn workers whose metrics add up, and a sealer in each."""

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from minibank.db import Database
from minibank.services import audit, audit_chain

from ..support.waiting import wait_until

pytestmark = pytest.mark.slow
WORKERS = 2
REQUESTS = 12


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def server(sqlite_url, tmp_path):
    """A production `minibank serve` with 2 workers on a free port; stopped and reaped afterwards."""
    port = free_port()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(
        MINIBANK_ENV="production",
        MINIBANK_SECRET_KEY="s" * 48,
        MINIBANK_DATABASE_URL=sqlite_url,
        MINIBANK_INSTANCE_PATH=str(tmp_path / "instance"),
        TMPDIR=str(scratch),
    )
    command = [str(Path(sys.executable).parent / "minibank"), "serve", "--port", str(port), "--workers", str(WORKERS)]
    with open(tmp_path / "server.log", "wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: get(f"{base}/readyz")[0] == 200, "the server to be ready")
        yield base, scratch
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        finally:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # any worker the master left behind
            except ProcessLookupError:
                pass
    assert process.returncode == 0, (tmp_path / "server.log").read_text()[-3000:]
    assert not list(scratch.glob("minibank-metrics-*")), "serve removes the metrics directory it made"


def healthz_total(base: str) -> float:
    status, text = get(f"{base}/metrics")
    assert status == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "minibank_http_requests_total" and sample.labels["route"] == "/healthz"
    )


def test_request_counts_add_up_over_workers(server):
    base, scratch = server
    assert [path.name.startswith("minibank-metrics-") for path in scratch.iterdir()] == [True]
    for _ in range(REQUESTS):
        assert get(f"{base}/healthz")[0] == 200
    assert healthz_total(base) == REQUESTS


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
