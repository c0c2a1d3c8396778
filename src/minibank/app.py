"""The application factory: `create_app` builds the whole bank from its settings."""

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as settings
from . import routing
from .instance import instance_path


def create_app(config: dict | None = None) -> Flask:
    """Build the whole application: settings, extensions, blueprints, errors, CLI."""
    from .api.json_out import OrjsonProvider

    app = Flask(__name__, instance_path=instance_path(os.environ))
    app.json = OrjsonProvider(app)
    routing.init_app(app)  # before any blueprint adds a rule
    app.config.update(settings.load(dict(os.environ), app.instance_path))
    if config:
        app.config.update(config)
    _harden_session_cookie(app)
    if app.config["PROXY_COUNT"]:
        # Trust X-Forwarded-For only from the configured number of proxies in front.
        # Flask's documented way to add WSGI middleware; its stub declares wsgi_app a method.
        proxied = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=app.config["PROXY_COUNT"])
        app.wsgi_app = proxied  # type: ignore[method-assign]

    from . import api, commands, errors, extensions, web
    from .ops import admission, exporter, health, logging, requests
    from .security import framing, headers, passwords

    logging.init_app(app)
    requests.init_app(app)  # first after-request hook registered, so its summary line runs last
    framing.init_app(app)  # before anything (CSRF, limits) reads a body
    passwords.configure(
        memory_kib=app.config["ARGON2_MEMORY_KIB"],
        time_cost=app.config["ARGON2_TIME_COST"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )
    extensions.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    commands.init_app(app)
    extensions.limiter.exempt(health.bp)  # load balancers poll these
    app.register_blueprint(health.bp)
    app.register_blueprint(web.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.docs_bp)
    extensions.limiter.exempt(exporter.bp)
    app.register_blueprint(exporter.bp)
    # Outermost: a request past capacity is turned away before anything else runs.
    admitted = admission.Admission(
        app.wsgi_app, limit=app.config["MAX_IN_FLIGHT"], wait=app.config["QUEUE_WAIT_MS"] / 1000
    )
    app.wsgi_app = admitted  # type: ignore[method-assign]
    return app


def _harden_session_cookie(app: Flask) -> None:
    from .security.cookie_session import LazyCookieSessionInterface

    app.session_interface = LazyCookieSessionInterface()
    production = app.config["PRODUCTION"]
    app.config.update(
        SESSION_COOKIE_NAME="__Host-session" if production else "session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session; the session is short
    )
