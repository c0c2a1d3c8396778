"""`minibank serve`: gunicorn in production, Flask's server in development."""

import os

import click
from flask import current_app

from .. import config as settings
from ..extensions import db
from .running import operator_command


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, settings.MAX_WORKERS),
    help="gunicorn worker processes (production); default MINIBANK_WORKERS, else 2 per core + 1.",
)
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, settings.MAX_THREADS),
    help="Database work each worker does at once, its pool's request connections (production; "
    "requests are greenlets); default MINIBANK_THREADS, else 1.",
)
@operator_command(schema="servable", logs="stdout")
def serve_command(host, port, workers, threads):
    """Serve the bank: gunicorn in production, Flask's server in development.

    Refuses to start, in one line, on a database it cannot reach or has to be upgraded first.
    """
    from ..ops.serve import serve

    # flask types current_app as Flask, though it is the LocalProxy that has this method.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if workers:
        app.config["WORKERS"] = workers
    settings.check_shared_limits(app.config)  # --workers may ask for more processes than the settings did
    if threads and threads != app.config["THREADS"]:
        # The app (and its pool) was built before the options were read: resize the pool
        # to the new thread count unless MINIBANK_DB_POOL_SIZE fixes it.
        pool = settings.pool_size(
            dict(os.environ),
            threads=threads,
            production=app.config["PRODUCTION"],
            sealer=app.config["AUDIT_SEALER"],
            mailer=app.config["MAIL_SENDER"],
        )
        app.config.update(THREADS=threads, DB_POOL_SIZE=pool)
        db.dispose()
        db.init_app(app)
    serve(app, host=host, port=port)
