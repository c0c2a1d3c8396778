"""SQLite's writer process: the ledger engine for every worker of `minibank serve`, in one process.

SQLite has one writer at a time, and a gevent worker that wrote itself would stop all its
requests for every COMMIT's fsync and every wait for the write lock (neither is cooperative).
This single-threaded process runs the very same engine (store/ledger.py: Ledger.run_batch)
on every move that has arrived from any worker, one transaction and one COMMIT for all, so
the workers only wait on a socket, which gevent makes cooperative. Other writes stay in the
workers, behind the same write lock (writer_queue).

`minibank serve` starts it on SQLite, starts it again within a second or so if it dies
(the master checks it as it minds its workers), and stops it at exit; it also ends when its
parent dies. Workers reach it on a Unix socket in a directory only this user can open, one line
of JSON per move and per outcome (store/wire.py, store/writer_client.py). When it cannot
be reached a worker runs the engine itself, so the bank never depends on it to be correct.
"""

import os
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
import structlog

from ..db import Database
from ..domain.batches import BatchOrder
from ..domain.moves import Move
from ..metrics import WRITER_RESTARTS
from ..store import audit_seal
from ..store.wire import outcome_line, request_from
from .logging import configure as configure_logging
from .sealer import INTERVAL

SOCKET_NAME = "writer.sock"
STARTUP_TIMEOUT = 15.0
log = structlog.get_logger("minibank.sqlite_writer")


class WriterProcess:
    """The running writer, as `minibank serve`'s master sees it."""

    def __init__(self, database: str):
        self._database = database
        self._directory = tempfile.mkdtemp(prefix="minibank-writer-")  # mode 0700: this user only
        self.socket_path = os.path.join(self._directory, SOCKET_NAME)
        self._process = self._start()

    def _start(self) -> subprocess.Popen:
        if os.path.exists(self.socket_path):  # a dead writer's: the new one binds the same path
            os.unlink(self.socket_path)
        process = subprocess.Popen(
            [sys.executable, "-m", "minibank.ops.sqlite_writer", self._database, self.socket_path, str(os.getpid())],
        )
        # Until it listens, workers would write every move themselves.
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not os.path.exists(self.socket_path) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return process

    def keep_alive(self) -> bool:
        """Start the writer again if it has died (killed, crashed): True when it had to."""
        if self._process.poll() is None:
            return False
        WRITER_RESTARTS.inc()
        log.error("sqlite_writer.restarted", exit_status=self._process.returncode, old_pid=self._process.pid)
        self._process = self._start()
        return True

    def stop(self) -> None:
        """End the writer and remove its directory."""
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except (subprocess.TimeoutExpired, ChildProcessError):
            self._process.kill()
        for leftover in Path(self._directory).iterdir():
            leftover.unlink()
        os.rmdir(self._directory)


def serve(database: str, socket_path: str, parent: int) -> None:
    """Answer move requests on ``socket_path`` until the process ``parent`` is gone."""
    db = Database(f"sqlite:///{database}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(512)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    buffers: dict[socket.socket, bytearray] = {}
    seal_due = time.monotonic() + INTERVAL
    while os.getppid() == parent:
        requests = []
        for key, _ in selector.select(timeout=INTERVAL):
            if key.fileobj is listener:
                client, _ = listener.accept()
                buffers[client] = bytearray()
                selector.register(client, selectors.EVENT_READ)
            elif isinstance(key.fileobj, socket.socket):  # every other registration is a client
                requests.extend(_read(key.fileobj, buffers, selector))
        if requests:
            _reply(requests, _run_batch(db, [unit for _, unit in requests]))
        if time.monotonic() >= seal_due:
            # The audit sealer runs here rather than in the workers: it holds the write lock while it hashes.
            seal_due = time.monotonic() + INTERVAL
            try:
                audit_seal.seal(db, wait=False)
            except Exception:
                log.exception("audit.seal_failed")


def _read(client: socket.socket, buffers: dict, selector) -> list:
    """The complete requests ``client`` has sent; a closed client is forgotten."""
    try:
        data = client.recv(65536)
    except OSError:
        data = b""
    if not data:
        return _hang_up(client, buffers, selector)
    buffer = buffers[client]
    buffer += data
    *lines, rest = buffer.split(b"\n")
    buffers[client] = bytearray(rest)
    try:
        requests = [(client, request_from(orjson.loads(line))) for line in lines]
    except (ValueError, TypeError):
        requests = None
    if requests is None:
        # Nothing of this sender's is run; it hears the hang-up as an unknown outcome. The
        # writer itself goes on: every worker depends on it.
        log.error("sqlite_writer.garbled_request")
        return _hang_up(client, buffers, selector)
    return requests


def _hang_up(client: socket.socket, buffers: dict, selector) -> list:
    selector.unregister(client)
    del buffers[client]
    client.close()
    return []


def _run_batch(db, units: list[Move | BatchOrder]) -> list[bytes]:
    """Every move and customer's batch in one batch of the engine; a reply line for each."""
    try:
        return [outcome_line(outcome) for outcome in db.ledger.run_batch(units)]
    except Exception:
        log.exception("sqlite_writer.batch_failed")
        return [orjson.dumps({"unknown": True}) + b"\n"] * len(units)


def _reply(requests: list, replies: list[bytes]) -> None:
    for (client, _), reply in zip(requests, replies, strict=True):
        try:
            client.sendall(reply)
        except OSError:
            pass  # the worker is gone; it forgets the request with its connection


if __name__ == "__main__":
    # Only production serving starts the writer: its lines are JSON, as the workers' are.
    configure_logging(json=True)
    serve(sys.argv[1], sys.argv[2], int(sys.argv[3]))
