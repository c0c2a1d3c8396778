"""Serving: gunicorn in production, Flask's development server otherwise."""

import contextvars
import os
import shutil
import sys
import tempfile
from pathlib import Path

from flask import Flask
from werkzeug.serving import WSGIRequestHandler

from ..store.writer_client import WriterClient
from .mailer import start_mailer
from .sealer import start_sealer
from .sqlite_writer import WriterProcess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Set by serve() when it made the metrics directory itself, so that it removes it at exit.
_OWNED_ENV = "MINIBANK_OWNS_METRICS_DIR"


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without the version banner, and without its access log of raw paths."""

    server_version = "minibank"
    sys_version = ""

    def log_request(self, code="-", size="-"):
        """Nothing: the bank's own `request` line (route, never the raw path) replaces Werkzeug's."""


def serve(app: Flask, *, host: str, port: int) -> None:
    """Serve the app until stopped (gunicorn sizes come from its WORKERS and THREADS settings)."""
    # Each request must push an application context of its own. The CLI runs every command
    # inside one (FlaskGroup pushes it), and a request that finds its app's context already
    # active reuses it, `flask.g` included: on a single-threaded worker each request then saw
    # the previous one's user, session and CSRF secret. A new, empty contextvars.Context has
    # no application context, and the workers forked from it inherit none.
    contextvars.Context().run(_serve, app, host=host, port=port)


def _serve(app: Flask, *, host: str, port: int) -> None:
    if not app.config["PRODUCTION"]:
        # Werkzeug directly: Flask's app.run() refuses to start from inside a CLI command.
        from werkzeug.serving import run_simple

        start_sealer(app)
        start_mailer(app)
        run_simple(host, port, app, threaded=True, request_handler=QuietHandler)
        return
    if MULTIPROC_ENV not in os.environ:
        _restart_with_metrics_dir()
    _gunicorn(app, gunicorn_options(app.config, host=host, port=port)).run()


def _restart_with_metrics_dir() -> None:
    # prometheus_client chooses in-memory or per-process-file metrics when it is first
    # imported, which has happened by now; start the same command again with the
    # directory set, so that every worker's counts land where /metrics sums them.
    os.environ[MULTIPROC_ENV] = tempfile.mkdtemp(prefix="minibank-metrics-")
    os.environ[_OWNED_ENV] = "1"
    sys.stdout.flush()
    os.execv(sys.executable, sys.orig_argv)


def _on_starting(_arbiter) -> None:
    # Files left by an earlier run would be summed with this run's counts.
    for stale in Path(os.environ[MULTIPROC_ENV]).glob("*.db"):
        stale.unlink()


def _child_exit(_arbiter, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def _on_exit(_arbiter) -> None:
    if os.environ.get(_OWNED_ENV):
        shutil.rmtree(os.environ[MULTIPROC_ENV], ignore_errors=True)


def _worker_started(app: Flask) -> None:
    # Connections opened before the fork belong to the master; each worker needs its own.
    database = app.extensions["minibank.db"]
    database.dispose()
    replica = app.extensions["minibank.reads"].replica
    if replica is not None:
        replica.dispose()
    # Made again here, after a gevent worker has patched `threading`: a lock made before
    # would block the whole process, not one greenlet, and with it the holder.
    database.renew_locks()
    start_mailer(app)  # in every worker: claims are atomic, so several senders never send one message twice
    if database.ledger.writer is None:  # SQLite's writer process seals for every worker
        start_sealer(app)


GREEN_WORKER = "minibank.ops.green_worker.GreenWorker"


def gunicorn_options(config, *, host: str, port: int) -> dict:
    """gunicorn's settings for an app configuration (hooks apart)."""
    return {
        "bind": f"{host}:{port}",
        "workers": config["WORKERS"],
        # One worker on both engines: gevent's, each connection a greenlet. A thread or a
        # sync worker reads a request's headers while holding its thread, so a few clients
        # trickling header lines stop it; a greenlet that waits on a slow socket costs only
        # its memory. The database work a worker does at once is bounded by its pool
        # (MINIBANK_THREADS connections), not by how many clients are connected.
        "worker_class": GREEN_WORKER,
        "worker_connections": config["WORKER_CONNECTIONS"],
        # SIGTERM: stop accepting, let requests in flight finish for this long, then exit 0.
        "graceful_timeout": config["GRACEFUL_TIMEOUT"],
        # ProxyFix, by MINIBANK_PROXY_COUNT, is the one judge of X-Forwarded-*; gunicorn's own
        # list (127.0.0.1 by default) would let any local caller set the scheme as well.
        "forwarded_allow_ips": "",
        "accesslog": None,
        # gunicorn's control socket defaults to one path per user, which two
        # servers on one host would fight over; nothing here uses it.
        "control_socket_disable": True,
    }


def _gunicorn(app: Flask, options: dict):
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter

    from .green_worker import hand_over_early_signals

    database = app.extensions["minibank.db"]
    writer: list[WriterProcess] = []

    def on_starting(arbiter) -> None:
        _on_starting(arbiter)
        path = database.sqlite_path
        if path:
            # Before the workers fork: each inherits the client and dials on first use.
            writer.append(WriterProcess(path))
            database.ledger.writer = WriterClient(writer[0].socket_path)

    def on_exit(arbiter) -> None:
        for process in writer:
            process.stop()
        _on_exit(arbiter)

    hooks = {
        "on_starting": on_starting,
        "post_fork": hand_over_early_signals,
        "child_exit": _child_exit,
        "on_exit": on_exit,
        # In each worker, after the fork: threads do not survive a fork.
        "post_worker_init": lambda _worker: _worker_started(app),
        # Hang up on the database politely rather than leave it to notice a dead socket.
        "worker_exit": lambda _arbiter, _worker: database.dispose(),
    }

    class _Arbiter(Arbiter):
        """gunicorn's master, which also keeps the SQLite writer alive, once a second as it minds its workers."""

        def manage_workers(self):
            for process in writer:
                process.keep_alive()
            super().manage_workers()

    class _Gunicorn(BaseApplication):
        def load_config(self):
            for key, value in {**options, **hooks}.items():
                self.cfg.set(key, value)

        def load(self):
            return app

        def run(self):
            try:
                _Arbiter(self).run()
            except RuntimeError as error:  # as gunicorn's own run() reports a failed start
                print(f"\nError: {error}\n", file=sys.stderr)
                sys.exit(1)

    return _Gunicorn()
