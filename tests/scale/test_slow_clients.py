"""Slow clients (slowloris): 300 sockets that trickle header lines, renewed when dropped, while
ordinary customers keep being answered quickly by the production server at its default sizes."""

import socket
import statistics
import threading
import time

import pytest
import requests

from minibank.db import Database

from ..support.factories import PASSWORD, Factory
from ..support.production import ProductionServer, production_env

pytestmark = pytest.mark.slow

SLOW_SOCKETS = 300
SECONDS = 10
CUSTOMERS = 4


class Trickle:
    """Holds ``count`` connections open, each sending one more header line every second, never ending."""

    def __init__(self, port: int, count: int):
        self.port, self.count = port, count
        self.sockets: list[socket.socket | None] = [None] * count
        self.stop = threading.Event()
        self.renewed = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
        sock.sendall(b"GET /dashboard HTTP/1.1\r\nHost: bank\r\n")
        return sock

    def _run(self) -> None:
        while not self.stop.is_set():
            for i in range(self.count):
                try:
                    if self.sockets[i] is None:
                        self.sockets[i] = self._open()
                    self.sockets[i].sendall(b"X-Slow: 1\r\n")
                except OSError:
                    self._close(i)
                    self.renewed += 1
                    self._reopen(i)  # at once, as an attacker would: the count held stays near ``count``
            self.stop.wait(1)

    def _reopen(self, i: int) -> None:
        try:
            self.sockets[i] = self._open()
        except OSError:
            self.sockets[i] = None  # the next pass tries again

    def _close(self, i: int) -> None:
        if self.sockets[i] is not None:
            self.sockets[i].close()
            self.sockets[i] = None

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.stop.set()
        self.thread.join()
        for i in range(self.count):
            self._close(i)


def customer(base: str, token: str, deadline: float, latencies: list[float], failures: list) -> None:
    """Read the account list again and again until ``deadline``, timing each answer."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            status = http.get(f"{base}/api/v1/accounts", timeout=10).status_code
        except requests.RequestException as error:
            status = repr(error)
        latencies.append(time.monotonic() - started)
        if status != 200:
            failures.append(status)


def test_ordinary_requests_stay_quick_beside_slow_clients(database_url, redis_url, tmp_path):
    db = Database(database_url)
    try:
        factory = Factory(db, currency="USD")
        users = [factory.user(email=f"steady{i}@example.com") for i in range(CUSTOMERS)]
        for user in users:
            factory.account(owner=user, balance=100)
    finally:
        db.dispose()
    env = production_env(database_url, tmp_path, redis_url=redis_url)
    server = ProductionServer(env, tmp_path / "server.log", workers=None, threads=None)  # the defaults
    server.start()
    try:
        server.wait_ready()
        tokens = [
            requests.post(
                f"{server.base}/api/v1/auth/token", json={"email": u.email, "password": PASSWORD}, timeout=10
            ).json()["access_token"]
            for u in users
        ]
        latencies: list[float] = []
        failures: list = []
        with Trickle(server.port, SLOW_SOCKETS) as trickle:
            time.sleep(3)  # every slow socket is open and trickling
            deadline = time.monotonic() + SECONDS
            threads = [
                threading.Thread(target=customer, args=(server.base, token, deadline, latencies, failures))
                for token in tokens
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            held = sum(sock is not None for sock in trickle.sockets)
        p99 = statistics.quantiles(latencies, n=100)[98]
        print(
            f"\n{len(latencies)} ordinary requests beside {held} slow sockets "
            f"({trickle.renewed} renewed): p50 {statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms"
        )
        assert not failures, failures[:5]
        assert held >= SLOW_SOCKETS * 0.9
        assert p99 < 1.0
    finally:
        server.stop()
