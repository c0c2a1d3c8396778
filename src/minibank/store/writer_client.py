"""A worker's line to SQLite's writer process (ops/sqlite_writer.py): one move (or batch) out, its outcome back."""

import socket
import threading

import orjson
import structlog

from ..domain.batches import BatchOrder
from ..domain.errors import OutcomeUnknown
from ..domain.moves import Move
from .wire import move_line, order_line, outcome_from

log = structlog.get_logger("minibank.sqlite_writer")

# How long a worker waits for the writer's answer: a writer stuck longer (a frozen disk, a
# stopped process) must not hold the request for ever; the move's outcome is then unknown.
REPLY_TIMEOUT = 30.0


class WriterUnavailable(Exception):
    """The writer process cannot be reached; nothing was sent to it."""


class WriterClient:
    """A worker's line to the writer process: one connection per thread, one request at a time."""

    def __init__(self, socket_path: str, *, reply_timeout: float = REPLY_TIMEOUT):
        self.socket_path = socket_path
        self.reply_timeout = reply_timeout
        self._local = threading.local()
        self._opened: set = set()  # every thread's socket, to close them all at the end
        self._down = False  # said once in the log, not once per request, until it answers again

    def renew(self) -> None:
        """Per-thread connections keyed anew (once gevent has patched threading: per greenlet)."""
        self._local = threading.local()

    def run(self, unit: Move | BatchOrder):
        """The outcome from the writer of a move or a customer's batch: (record, replayed), or the refusal to raise."""
        channel = self._channel()
        try:
            channel.write(order_line(unit) if isinstance(unit, BatchOrder) else move_line(unit))
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
        return outcome_from(reply)

    def _channel(self):
        channel = getattr(self._local, "channel", None)
        if channel is None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.reply_timeout)
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
