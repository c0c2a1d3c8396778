"""Every way the bank is served runs the same visit end to end, with the defaults a newcomer gets;
and on one worker, one visitor's request never carries another's state."""

import json
import re
import uuid

import pytest

from minibank.db import Database

from ..support.factories import PASSWORD, Factory
from ..support.live import Browser, api_visit, set_cookies, web_visit
from ..support.production import ProductionServer, production_env

pytestmark = pytest.mark.slow


def seeded_payer(url: str):
    """A customer with 100.00 and a second customer's account to pay, straight in the database."""
    db = Database(url)
    try:
        factory = Factory(db, currency="USD")
        payer = factory.user(email=f"payer-{uuid.uuid4().hex[:8]}@example.com")
        return payer.email, factory.account(owner=payer, balance=100_00).number, factory.account().number
    finally:
        db.dispose()


def serve(env: dict[str, str], tmp_path, **sizes) -> ProductionServer:
    server = ProductionServer(env, tmp_path / f"serve-{uuid.uuid4().hex[:6]}.log", **sizes)
    server.start()
    try:
        server.wait_ready()
    except BaseException:
        server.stop()
        raise
    return server


def defaults(url: str, tmp_path, redis_url: str | None) -> dict[str, str]:
    """Production as the README sets it up: its settings, rate limits on, default sizes."""
    return production_env(url, tmp_path, redis_url=redis_url, MINIBANK_RATELIMIT_ENABLED="true")


def visit(base: str, url: str) -> None:
    email, source, other = seeded_payer(url)
    web_visit(base, payer_email=email, payer_password=PASSWORD, source=source)
    api_visit(base, email=email, password=PASSWORD, source=source, destination=other)


def test_development_server_on_the_default_database(sqlite_url, tmp_path):
    env = production_env(sqlite_url, tmp_path, MINIBANK_ENV="development", MINIBANK_RATELIMIT_ENABLED="true")
    del env["MINIBANK_SECRET_KEY"]  # development makes its own in the instance folder
    server = serve(env, tmp_path, workers=None, threads=None)
    try:
        visit(server.base, sqlite_url)
    finally:
        server.stop()


def test_production_server_with_default_sizes(database_url, redis_url, tmp_path):
    server = serve(defaults(database_url, tmp_path, redis_url), tmp_path, workers=None, threads=None)
    try:
        visit(server.base, database_url)
    finally:
        server.stop()


SESSION_COOKIES = re.compile(r"^(__Host-)?(minibank|session)=")


def request_lines(server: ProductionServer) -> dict[str, dict]:
    """The server's request log lines by request id."""
    lines = (json.loads(line) for line in server.tail(10**7).splitlines() if line.startswith("{"))
    return {line["request_id"]: line for line in lines if line.get("event") == "request"}


def test_one_worker_keeps_each_visitors_state_apart(database_url, redis_url, tmp_path):
    email, _, _ = seeded_payer(database_url)
    server = serve(defaults(database_url, tmp_path, redis_url), tmp_path, workers=1, threads=None)
    try:
        owner, stranger = Browser(server.base), Browser(server.base)
        assert owner.post("/login", {"email": email, "password": PASSWORD}, form_page="/").status_code == 303
        owner_csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', owner.get("/dashboard").text)
        attributed = {}
        for round_ in range(5):
            assert owner.get("/dashboard", headers={"X-Request-ID": f"owner-{round_}"}).status_code == 200
            # A refused, cookie-less, CSRF-less logout right after the owner's request.
            refused = stranger.post("/logout", {}, form_page="", headers={"X-Request-ID": f"stranger-{round_}"})
            assert refused.status_code == 400
            assert not [c for c in set_cookies(refused) if SESSION_COOKIES.match(c) and "=;" not in c]
            missing = stranger.get("/no-such-page", headers={"X-Request-ID": f"lost-{round_}"})
            assert missing.status_code == 404 and "Log out" not in missing.text
            login_page = stranger.get("/", headers={"X-Request-ID": f"page-{round_}"})
            assert login_page.status_code == 200 and "Log out" not in login_page.text
            assert owner_csrf and owner_csrf.group(1) not in login_page.text
            attributed[f"owner-{round_}"] = True
            attributed.update({f"{kind}-{round_}": False for kind in ("stranger", "lost", "page")})
        assert stranger.get("/dashboard").status_code in (302, 303)  # still nobody, after all that
        assert not stranger.cookies.get("minibank") and not stranger.cookies.get("__Host-minibank")
        lines = request_lines(server)
        assert {rid: lines[rid]["user_id"] is not None for rid in attributed} == attributed
    finally:
        server.stop()


def raw_request(base: str, request: bytes) -> bytes:
    """Send raw bytes to the server and read its whole answer."""
    import socket
    from urllib.parse import urlsplit

    address = urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_no_server_banner_and_no_ambiguous_framing(sqlite_url, tmp_path):
    server = serve(
        production_env(sqlite_url, tmp_path, MINIBANK_WORKERS="1", MINIBANK_PER_PROCESS_LIMITS="true"),
        tmp_path,
        workers=1,
        threads=None,
    )
    try:
        answer = raw_request(server.base, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 200") and b"\r\nserver:" not in answer.lower()
        smuggled = raw_request(
            server.base,
            b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: identity, chunked\r\nContent-Type: application/json\r\n"
            b"\r\n2\r\n{}\r\n0\r\n\r\n",
        )
        assert smuggled.startswith(b"HTTP/1.1 400"), smuggled[:200]
        assert b"\r\nserver:" not in smuggled.lower()
    finally:
        server.stop()
