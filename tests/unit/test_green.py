"""SQLite's gevent serving: long GIL-free work in a real thread, and every connection gets its turn."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    from gevent import monkey
    monkey.patch_all()
    import gevent
    from minibank.green import off_loop
    from minibank.security import passwords

    real_thread = monkey.get_original("threading", "get_ident")
    assert off_loop(real_thread) != real_thread()

    def fails():
        raise ValueError("from the thread")
    try:
        off_loop(fails)
    except ValueError as error:
        assert str(error) == "from the thread"
    else:
        raise AssertionError("the error was lost")

    ticks = []
    def tick():
        while True:
            ticks.append(1)
            gevent.sleep(0)
    ticker = gevent.spawn(tick)
    stored = passwords.hash_password("a long enough passphrase")
    during_hash = len(ticks)
    assert passwords.verify_password(stored, "a long enough passphrase")
    assert not passwords.verify_password(stored, "another passphrase!")
    ticker.kill()
    assert during_hash > 0, "the loop stood still while the hash was made"
    print("ok")
    """
)


def test_hashing_under_gevent_runs_in_a_thread_while_other_requests_go_on():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_without_gevent_the_work_runs_right_here():
    from threading import get_ident

    from minibank.green import off_loop

    assert off_loop(get_ident) == get_ident()


def test_the_green_worker_lets_other_connections_go_after_each_request(monkeypatch):
    import gevent
    from gunicorn.workers.ggevent import GeventWorker

    from minibank.ops.green_worker import GreenWorker

    monkeypatch.setattr(GeventWorker, "handle_request", lambda self, *args: None)
    worker = GreenWorker.__new__(GreenWorker)  # the request handling alone, without a server
    turns = []
    other = gevent.spawn(turns.append, "another connection")
    worker.handle_request("listener", None, None, None)
    assert turns == ["another connection"]
    other.join()


STOP_WHILE_BOOTING = textwrap.dedent(
    """
    import os, queue, signal
    from types import SimpleNamespace
    from gunicorn.config import Config
    from gunicorn.glogging import Logger
    from minibank.ops.green_worker import GreenWorker, hand_over_early_signals

    # The forked worker still has the master's handler: it queues the signal and does nothing else.
    arbiter = SimpleNamespace(SIG_QUEUE=queue.SimpleQueue())
    signal.signal(signal.SIGTERM, lambda sig, frame: arbiter.SIG_QUEUE.put_nowait(sig))
    cfg = Config()
    worker = GreenWorker(1, os.getppid(), [], None, 30, cfg, Logger(cfg))
    worker.PIPE = os.pipe()
    for end in worker.PIPE:
        os.set_blocking(end, False)
    hand_over_early_signals(arbiter, worker)
    os.kill(os.getpid(), signal.SIGTERM)  # the master stops while this worker boots
    worker.alive = True
    worker.init_signals()
    print("stopping" if not worker.alive else "serving on")
    """
)


def test_a_sigterm_that_comes_while_a_worker_boots_stops_it():
    result = subprocess.run([sys.executable, "-c", STOP_WHILE_BOOTING], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "stopping", result.stderr


class CountingSocket:
    def __init__(self):
        self.sends: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.sends.append(data)


def _response(sock, *, method="GET"):
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.http import wsgi

    request = SimpleNamespace(version=(1, 1), method=method, should_close=lambda: False)
    response = wsgi.Response(request, sock, Config())
    return response


def test_the_green_worker_sends_headers_and_first_body_bytes_at_once(monkeypatch):
    from gunicorn.http import wsgi

    from minibank.ops import green_worker

    monkeypatch.setattr(wsgi.Response, "write", wsgi.Response.write)  # undone after the test
    green_worker._headers_with_the_body()
    sock = CountingSocket()
    response = _response(sock)
    response.start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "11")])
    response.write(b'{"ok":true}')
    response.close()
    assert len(sock.sends) == 1
    head, _, body = sock.sends[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: 11" in head and body == b'{"ok":true}'

    chunked = CountingSocket()  # no length: chunks, the first with the headers, then each on its own
    response = _response(chunked)
    response.start_response("200 OK", [("Content-Type", "text/csv")])
    for part in (b"a,b\n", b"1,2\n"):
        response.write(part)
    response.close()
    assert len(chunked.sends) == 3 and chunked.sends[0].endswith(b"\r\n\r\n4\r\na,b\n\r\n")
    assert chunked.sends[1:] == [b"4\r\n1,2\n\r\n", b"0\r\n\r\n"]
