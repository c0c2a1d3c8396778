"""A live miniBank with demo data, and headless Debian Chromium driven by Playwright."""

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from minibank import create_app
from minibank.services import accounts, users
from minibank.services.demo import load_demo

from ..support.services import require
from .axe import assert_accessible, install_axe

CHROMIUM = os.environ.get("MINIBANK_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1000, "height": 700}
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium from Debian's package (Playwright never downloads a browser here)."""
    if not shutil.which(CHROMIUM):
        require("Chromium", f"{CHROMIUM} is missing; install it with: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        """The app's own structured log says enough."""


class LiveBank:
    """The running server's address, its app and database, and the demo accounts."""

    def __init__(self, url, app):
        self.url = url
        self.app = app
        self.db = app.extensions["minibank.db"]

    def account_of(self, email: str, name: str = "Checking"):
        """A demo customer's account by name."""
        user = users.get_by_email(self.db, email=email)
        return next(a for a in accounts.list_for_owner(self.db, owner_id=user.id) if a.name == name)

    def balance(self, number: str) -> int:
        """An account's balance, read from the database."""
        return accounts.get_by_number(self.db, number=number, owner_id=None).balance


# The short-lived bank's browser tokens live 20 seconds (renewed past half their life), so that a
# session left alone ends within half a minute; its pages warn a third of that before.
SHORT_SESSION = 20


@pytest.fixture
def live(sqlite_url, tmp_path, monkeypatch):
    """A fresh app with the demo data, served by Werkzeug on a free port of 127.0.0.1."""
    yield from _serve(sqlite_url, tmp_path, monkeypatch)


@pytest.fixture
def short_lived(sqlite_url, tmp_path, monkeypatch):
    """Like ``live``, but each browser session ends SHORT_SESSION seconds after its last request."""
    yield from _serve(sqlite_url, tmp_path, monkeypatch, TOKEN_TTL=SHORT_SESSION)


def _serve(sqlite_url, tmp_path, monkeypatch, **settings):
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"DATABASE_URL": sqlite_url, "RATELIMIT_ENABLED": False, **settings})
    with app.app_context():
        load_demo(app.extensions["minibank.db"], currency=app.config["CURRENCY"])
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveBank(f"http://127.0.0.1:{server.server_port}", app)
    server.shutdown()
    thread.join()
    app.extensions["minibank.db"].dispose()


@pytest.fixture(scope="session")
def axe_source(tmp_path_factory):
    """axe-core's script, installed from npm once per run."""
    return install_axe(tmp_path_factory.mktemp("axe-core"))


@pytest.fixture
def check_accessibility(axe_source):
    """check_accessibility(page, state="") -> fail on any axe-core violation on the page as it stands."""

    def check(page, state: str = "") -> None:
        assert_accessible(page, axe_source, state)

    return check


@pytest.fixture
def open_page(browser):
    """open_page(viewport=..., javascript=True) -> a new Playwright page in its own context."""
    contexts = []

    def make(viewport=DESKTOP, javascript=True):
        context = browser.new_context(viewport=viewport, accept_downloads=True, java_script_enabled=javascript)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    """Save a screenshot to artifacts/screenshots/ (git-ignored): the full page, or what the viewport
    shows (for a modal dialog, whose backdrop covers the viewport only)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
