"""SQLite's writer process: the moves of every worker, in shared batches, by one process that does nothing else.

SQLite has one writer at a time. A worker holding the write lock must win its GIL back after
every SQLite call (each one releases it), and under load it waits behind its own request
threads while the lock, and every other writer, waits for it. One single-threaded process
has nobody to wait for: it takes each move the rule plainly allows from every worker, runs
all that have arrived in one transaction (one COMMIT and fsync for all), and keeps its page
cache warm on its one connection. Anything else (refusals, replays, other writes) stays in
the workers, behind the same write lock (writer_queue).

`minibank serve` starts it on SQLite and stops it at exit; it also ends when its parent
dies. Workers reach it on a Unix socket in a directory only this user can open, one line
of JSON per request and per reply. When it cannot be reached a worker writes the move
itself, so the bank never depends on it to be correct.
"""

import os
import selectors
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import orjson
import structlog

from ..db import Database, prepare_sqlite_connection
from ..domain.errors import OutcomeUnknown
from ..services import audit_chain
from ..services.ledger_store import sqlite_quick_move
from ..writer_queue import WriterQueue
from .sealer import INTERVAL

SOCKET_NAME = "writer.sock"
STARTUP_TIMEOUT = 15.0
log = structlog.get_logger("minibank.sqlite_writer")


class WriterUnavailable(Exception):
    """The writer process cannot be reached; nothing was sent to it."""


class WriterClient:
    """A worker's line to the writer process: one connection per thread, one request at a time."""

    def __init__(self, socket_path: str):
        self.socket_path = socket_path
        self._local = threading.local()
        self._opened: set = set()  # every thread's socket, to close them all at the end
        self._down = False  # said once in the log, not once per request, until it answers again

    def renew(self) -> None:
        """Per-thread connections keyed anew (once gevent has patched threading: per greenlet)."""
        self._local = threading.local()

    def run(self, params: dict) -> Sequence | None:
        """The new transfer's row for a move the rule plainly allows, None for anything else."""
        channel = self._channel()
        try:
            channel.write(orjson.dumps(params) + b"\n")
            channel.flush()
        except OSError as error:
            self._close()
            raise self._unavailable(error) from error
        try:
            line = channel.readline()
        except OSError:
            line = b""
        if not line:
            # It may have committed before it went away: only a retry with the key can tell.
            self._close()
            raise OutcomeUnknown()
        reply = orjson.loads(line)
        self._down = False
        if "unknown" in reply:
            raise OutcomeUnknown()
        return reply.get("row")

    def _channel(self):
        channel = getattr(self._local, "channel", None)
        if channel is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.socket_path)
            except OSError as error:
                sock.close()
                raise self._unavailable(error) from error
            channel = self._local.channel = sock.makefile("rwb")
            self._local.sock = sock
            self._opened.add((channel, sock))
        return channel

    def _unavailable(self, error: OSError) -> WriterUnavailable:
        if not self._down:
            self._down = True
            log.warning("sqlite_writer.unavailable", error=str(error))
        return WriterUnavailable()

    def close(self) -> None:
        """Hang up every thread's connection."""
        for handles in list(self._opened):
            _close_quietly(*handles)
        self._opened.clear()

    def _close(self) -> None:
        handles = (getattr(self._local, "channel", None), getattr(self._local, "sock", None))
        self._opened.discard(handles)
        _close_quietly(*handles)
        self._local.channel = self._local.sock = None


def _close_quietly(*handles) -> None:
    for handle in handles:
        if handle is not None:
            try:
                handle.close()
            except OSError:
                pass


class WriterProcess:
    """The running writer, as `minibank serve`'s master sees it."""

    def __init__(self, database: str):
        self._directory = tempfile.mkdtemp(prefix="minibank-writer-")  # mode 0700: this user only
        self.socket_path = os.path.join(self._directory, SOCKET_NAME)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "minibank.ops.sqlite_writer", database, self.socket_path, str(os.getpid())],
        )
        # Until it listens, workers would write every move themselves.
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not os.path.exists(self.socket_path) and self._process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)

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
    conn = sqlite3.connect(database, isolation_level=None)
    prepare_sqlite_connection(conn)
    turn = WriterQueue(f"{database}-writers")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(socket_path)
    listener.listen(512)
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    buffers: dict[socket.socket, bytearray] = {}
    sealer = _Sealer(database)
    while os.getppid() == parent:
        requests = []
        for key, _ in selector.select(timeout=INTERVAL):
            if key.fileobj is listener:
                client, _ = listener.accept()
                buffers[client] = bytearray()
                selector.register(client, selectors.EVENT_READ)
            else:
                requests.extend(_read(key.fileobj, buffers, selector))
        if requests:
            _reply(requests, _run_batch(conn, turn, [params for _, params in requests]))
        sealer.seal_when_due()


class _Sealer:
    """The audit sealer, here instead of in the workers: it holds the write lock while it hashes."""

    def __init__(self, database: str):
        self._db = Database(f"sqlite:///{database}")
        self._due = time.monotonic() + INTERVAL

    def seal_when_due(self) -> None:
        """Seal new audit events at most once a second."""
        if time.monotonic() < self._due:
            return
        self._due = time.monotonic() + INTERVAL
        try:
            audit_chain.seal(self._db, wait=False)
        except Exception:  # noqa: BLE001 - a bad pass must not end the writer; the next one retries
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
        requests = [(client, orjson.loads(line)) for line in lines]
    except ValueError:
        requests = None
    # Only an object names its parameters: a list would bind to the statement by position.
    if requests is None or not all(isinstance(params, dict) for _, params in requests):
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


def _run_batch(conn: sqlite3.Connection, turn: WriterQueue, batch: list[dict]) -> list[dict]:
    """Every move of ``batch`` in one transaction; a reply for each."""
    with turn.turn():
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error:
            return [{"row": None}] * len(batch)  # nothing written: the workers write them themselves
        rows = [_move(conn, params) for params in batch]
        try:
            conn.execute("COMMIT")
        except sqlite3.Error:
            _rollback(conn)
            return [{"unknown": True}] * len(batch)
    return [{"row": row} for row in rows]


def _move(conn: sqlite3.Connection, params: dict):
    try:
        row = sqlite_quick_move(conn, params)
    except sqlite3.Error:
        return None  # the statement undid itself; the worker's ordinary path gives the answer
    return list(row) if row is not None else None


def _reply(requests: list, replies: list[dict]) -> None:
    for (client, _), reply in zip(requests, replies):
        try:
            client.sendall(orjson.dumps(reply) + b"\n")
        except OSError:
            pass  # the worker is gone; it forgets the request with its connection


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:
        pass


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2], int(sys.argv[3]))
