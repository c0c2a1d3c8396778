"""Serving: gunicorn in production, Flask's development server otherwise."""

import os

from flask import Flask
from werkzeug.serving import WSGIRequestHandler


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

        run_simple(host, port, app, threaded=True, request_handler=QuietHandler)
        return
    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):
        def load_config(self):
            options = {
                "bind": f"{host}:{port}",
                "workers": workers or default_workers(),
                "threads": threads or 1,
                "graceful_timeout": 30,
                "accesslog": None,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    _Gunicorn().run()
