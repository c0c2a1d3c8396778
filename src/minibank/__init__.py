"""miniBank: a small bank's web application and double-entry ledger."""

import os

from flask import Flask

from . import config as settings


def create_app(config: dict | None = None) -> Flask:
    """Build the whole application: settings, extensions, blueprints, errors, CLI."""
    app = Flask(__name__, instance_path=os.environ.get("MINIBANK_INSTANCE_PATH") or None)
    app.config.update(settings.load(dict(os.environ), app.instance_path))
    if config:
        app.config.update(config)

    from . import cli
    from .extensions import db
    from .ops import exporter, health, logging, requests

    logging.init_app(app)
    requests.init_app(app)
    db.init_app(app)
    cli.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(exporter.bp)
    return app
