"""The gunicorn worker of production serving on both engines: requests as greenlets (gevent)."""

import selectors
import signal
import warnings

import gevent
from gevent import monkey
from gunicorn.http import wsgi
from gunicorn.workers.ggevent import GeventWorker


class GreenWorker(GeventWorker):
    """gunicorn's gevent worker, fair to every connection, cooperative with psycopg, without
    a server banner, and without the warning its late patching prints in every worker.

    Each connection is a greenlet, so a client that trickles its request ties up no thread:
    hundreds of slow sockets cost memory, not service. On SQLite a request mostly waits for
    the writer process's answer; greenlets switch in user space where waiting threads pass
    the GIL to and fro several times per request.
    """

    def patch(self):
        """Make the standard library cooperative, as gunicorn's gevent worker does, and psycopg too."""
        with warnings.catch_warnings():
            # The app is imported before the fork, so `ssl` is already imported; gevent then
            # warns about modules that took names out of it (only PyJWT's JWKS client, unused).
            warnings.simplefilter("ignore", monkey.MonkeyPatchWarning)
            super().patch()
        _cooperative_psycopg()
        _no_server_banner()
        _headers_with_the_body()

    def init_signals(self):
        """gunicorn's handlers, then any stop signal that reached this process before they were in place."""
        super().init_signals()
        # From the fork until just now the master's handlers were still installed: they put a
        # signal on (this process's copy of) the master's queue and nothing else. A SIGTERM sent
        # while the worker booted was lost there, and the worker served on until the master
        # killed it at the graceful timeout. A signal queued for the master itself before the
        # fork may be there too; a stop signal then means the master is stopping, so acting on
        # it is right either way.
        queued = getattr(self, "signals_before_handlers", None)
        while queued is not None and not queued.empty():
            sig = queued.get_nowait()
            if sig == signal.SIGTERM:
                self.handle_exit(sig, None)
            elif sig in (signal.SIGINT, signal.SIGQUIT):
                self.handle_quit(sig, None)

    def handle_request(self, listener_name, req, sock, addr):
        """Serve one request, then let the worker's other connections have their turn."""
        super().handle_request(listener_name, req, sock, addr)
        # A greenlet yields only when a socket would block. A keep-alive client whose next
        # request is already there when its answer goes out (and a read that needs no writer,
        # such as a history page) would be served again and again, every other connection of
        # the worker waiting: p99 1.8 s against p50 2 ms for history pages at 4 clients.
        gevent.sleep(0)


def hand_over_early_signals(arbiter, worker) -> None:
    """gunicorn's post_fork hook: give the worker the queue where signals land until its own handlers are set."""
    worker.signals_before_handlers = arbiter.SIG_QUEUE


def _cooperative_psycopg() -> None:
    # psycopg chooses how to wait for the server when it is imported, and the master imported
    # it before this worker patched: its C wait would block the whole process, every greenlet
    # with it. Its poll-based wait looks `select.poll` up at each call, which gevent has now
    # made cooperative; so does the selector it connects with.
    try:
        from psycopg import waiting
    except ImportError:  # SQLite-only installs
        return
    waiting.wait = waiting.wait_poll
    waiting._ready = waiting._ready_poll
    # The stub declares DefaultSelector a class; replacing it on the module is the point here.
    waiting.DefaultSelector = selectors.DefaultSelector  # type: ignore[misc]


def _no_server_banner() -> None:
    # gunicorn writes `Server: gunicorn` on every response and has no setting for it; the
    # bank names no software to callers.
    default_headers = wsgi.Response.default_headers

    def without_server(self):
        return [line for line in default_headers(self) if not line.startswith("Server:")]

    wsgi.Response.default_headers = without_server


class _HeldWrites:
    """A socket stand-in that keeps what is written to it, for the real socket to send in one go."""

    def __init__(self):
        self.parts: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        """Keep ``data`` for later."""
        self.parts.append(data)


def _headers_with_the_body() -> None:
    # gunicorn sends a response's headers, then its first body bytes, with a send each; on a
    # local connection each send also pays for waking the reader, and most of the bank's answers
    # are one small JSON body. The first write now sends both at once (a file sent with
    # sendfile still goes gunicorn's own way).
    write = wsgi.Response.write

    def with_headers(self, arg):
        if self.headers_sent:
            return write(self, arg)
        socket, held = self.sock, _HeldWrites()
        self.sock = held
        try:
            write(self, arg)
        finally:
            self.sock = socket
            socket.sendall(b"".join(held.parts))

    wsgi.Response.write = with_headers
