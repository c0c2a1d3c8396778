"""Serving: gunicorn in production, Flask's development server otherwise."""

import os
import shutil
import sys
import tempfile
from pathlib import Path

from flask import Flask
from werkzeug.serving import WSGIRequestHandler

from .sealer import start_sealer

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Set by serve() when it made the metrics directory itself, so that it removes it at exit.
_OWNED_ENV = "MINIBANK_OWNS_METRICS_DIR"


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler without the version banner in the Server header."""

    server_version = "minibank"
    sys_version = ""


def default_workers() -> int:
    """gunicorn's rule of thumb: two workers per core plus one."""
    return 2 * (os.cpu_count() or 1) + 1


def serve(app: Flask, *, host: str, port: int, workers: int | None, threads: int | None) -> None:
    """Serve the app until stopped."""
    if not app.config["PRODUCTION"]:
        # Werkzeug directly: Flask's app.run() refuses to start from inside a CLI command.
        from werkzeug.serving import run_simple

        start_sealer(app)
        run_simple(host, port, app, threaded=True, request_handler=QuietHandler)
        return
    if MULTIPROC_ENV not in os.environ:
        _restart_with_metrics_dir()
    _gunicorn(app, host=host, port=port, workers=workers, threads=threads).run()


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
    app.extensions["minibank.db"].dispose()
    start_sealer(app)


def _gunicorn(app: Flask, *, host: str, port: int, workers: int | None, threads: int | None):
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):
        def load_config(self):
            options = {
                "bind": f"{host}:{port}",
                "workers": workers or default_workers(),
                "threads": threads or 1,
                "graceful_timeout": 30,
                "accesslog": None,
                # gunicorn's control socket defaults to one path per user, which two
                # servers on one host would fight over; nothing here uses it.
                "control_socket_disable": True,
                "on_starting": _on_starting,
                "child_exit": _child_exit,
                "on_exit": _on_exit,
                # In each worker, after the fork: threads do not survive a fork.
                "post_worker_init": lambda _worker: _worker_started(app),
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    return _Gunicorn()
