"""Registration without enumeration, e-mail verification and password reset, mail through a real SMTP server."""

import re
import statistics
import time

import pytest
from sqlalchemy import select

from minibank.models import audit_events, email_tokens, users
from minibank.ops.mailer import sender_for
from minibank.services.email_links import token_hash

from ..support.factories import PASSWORD
from ..support.smtp import SmtpServer, body_of

NEW_PASSWORD = "a brand new passphrase"
_LINK = re.compile(r"http://localhost:5000(/[\w/-]+)\?token=([\w-]+)")


@pytest.fixture
def smtp(app):
    """A real SMTP server that the app's sender delivers to; ``smtp.deliver()`` sends what is due."""
    with SmtpServer() as server:
        app.config["SMTP_URL"] = server.url()

        def deliver():
            sender_for(app).send_due()
            return server.inbox

        server.deliver = deliver
        yield server


def register_form(auth, email, password="a long passphrase here"):
    fields = {"email": email, "name": "Nina New", "password": password, "confirm_password": password}
    return auth.post_form("/register", fields)


def link_in(message):
    text = body_of(message)
    [(path, token)] = _LINK.findall(text)
    assert f"{path}?token={token}" in body_of(message, "html").replace("&amp;", "&")
    return path, token


def answer(response):
    body = response.get_json()
    body.pop("request_id", None)
    return response.status_code, body


def test_web_registration_answers_the_same_and_mails_a_link_or_a_note(client, auth, db, smtp, make_user):
    make_user(email="owner@example.com", name="Olga Owner")
    new = register_form(auth, "nina@example.com")
    taken = register_form(auth, "Owner@example.com")
    assert new.status_code == taken.status_code == 303
    assert new.headers["Location"] == taken.headers["Location"] == "/register/check-inbox"
    assert new.get_data() == taken.get_data()
    inbox = smtp.deliver()
    [verify] = inbox.to("nina@example.com")
    [note] = inbox.to("owner@example.com")
    assert note["Subject"] == "Someone tried to register with your e-mail address"
    assert "Olga Owner" in body_of(note) and "token=" not in body_of(note)
    path, token = link_in(verify)
    assert path == "/verify-email"
    # No secret but the link: not the password, nor what the bank stores for the token.
    for message in (verify, note):
        raw = message.as_string()
        assert "a long passphrase here" not in raw and token_hash(token) not in raw
    stored = db.read(lambda c: c.execute(select(email_tokens.c.token_hash)).scalars().all())
    assert stored == [token_hash(token)]  # the token itself is nowhere in the database
    assert smtp.deliver() is inbox and len(inbox.messages) == 2  # each sent once

    verified_at = select(users.c.email_verified_at).where(users.c.email == "nina@example.com")
    assert db.read(lambda c: c.execute(verified_at).scalar()) is None
    page = client.get(f"/verify-email?token={token}")
    assert page.status_code == 200 and "E-mail address confirmed" in page.get_data(as_text=True)
    assert db.read(lambda c: c.execute(verified_at).scalar()) is not None
    again = client.get(f"/verify-email?token={token}")  # single use
    assert again.status_code == 400 and "Link not valid" in again.get_data(as_text=True)
    assert client.get("/verify-email").status_code == 400
    assert client.get("/verify-email?token=" + "x" * 43).status_code == 400
    assert auth.login("nina@example.com", "a long passphrase here").status_code == 303


def test_api_registration_answers_the_same_for_new_and_taken(client, smtp, make_user):
    make_user(email="owner@example.com")
    body = {"name": "Nina", "password": "a long passphrase here"}
    new = client.post("/api/v1/auth/register", json={**body, "email": "nina@example.com"})
    taken = client.post("/api/v1/auth/register", json={**body, "email": "OWNER@example.com"})
    assert answer(new) == answer(taken)
    assert answer(new)[0] == 202 and answer(new)[1]["status"] == "check_inbox"
    inbox = smtp.deliver()
    assert len(inbox.to("nina@example.com")) == len(inbox.to("owner@example.com")) == 1
    weak = client.post("/api/v1/auth/register", json={**body, "email": "x@example.com", "password": "short"})
    assert weak.status_code == 422  # the password rules still answer, for either kind of address


def test_registration_takes_as_long_for_a_taken_address_as_for_a_new_one(client, make_user):
    make_user(email="owner@example.com")
    body = {"name": "Nina", "password": "a long passphrase here"}
    timings: dict[str, list[float]] = {"new": [], "taken": []}
    for n in range(6):
        for kind, email in (("new", f"nina{n}@example.com"), ("taken", "owner@example.com")):
            start = time.perf_counter()
            assert client.post("/api/v1/auth/register", json={**body, "email": email}).status_code == 202
            timings[kind].append(time.perf_counter() - start)
    new, taken = statistics.median(timings["new"]), statistics.median(timings["taken"])
    # Both hash the password (tens of milliseconds); what differs is a few inserts.
    assert 0.6 < taken / new < 1.6, timings


def test_two_registrations_racing_for_one_address_make_one_user(app, db):
    import threading

    from minibank.extensions import mail_links
    from minibank.services import registration

    with app.app_context():
        links = mail_links()
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        registration.register(db, email="race@example.com", name="R", password="a long passphrase here", links=links)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(db.read(lambda c: c.execute(select(users.c.id)).all())) == 1


def test_unverified_users_cannot_send_money_when_required(app, client, db, auth, make_account, smtp):
    app.config["REQUIRE_VERIFIED_EMAIL"] = True
    client.post("/api/v1/auth/register", json={"email": "nina@example.com", "name": "N", "password": PASSWORD})
    nina = db.read(lambda c: c.execute(select(users.c.id).where(users.c.email == "nina@example.com")).scalar())
    from minibank.services import users as users_service

    source = make_account(owner=users_service.get(db, user_id=nina), balance=5_000)
    other = make_account(owner=None)
    headers = auth.bearer("nina@example.com")
    move = {"from_account": source.number, "to_account": other.number, "amount": "1.00"}
    refused = client.post("/api/v1/transfers", json=move, headers=headers)
    assert (refused.status_code, refused.get_json()["code"]) == (403, "email_not_verified")
    assert "Confirm your e-mail address" in refused.get_json()["detail"]
    batch = {"mode": "independent", "transfers": [move]}
    held = client.post("/api/v1/transfer-batches", json=batch, headers={**headers, "Idempotency-Key": "b1"})
    assert (held.status_code, held.get_json()["code"]) == (403, "email_not_verified")
    [message] = smtp.deliver().messages
    _, token = link_in(message)
    assert client.get(f"/verify-email?token={token}").status_code == 200
    assert client.post("/api/v1/transfers", json=move, headers=headers).status_code == 201
    app.config["REQUIRE_VERIFIED_EMAIL"] = False


def test_web_password_reset_by_link_ends_every_session(client, auth, db, smtp, make_user, app):
    make_user(email="rita@example.com", name="Rita")
    api_token = auth.bearer("rita@example.com")
    assert "Forgot password?" in client.get("/").get_data(as_text=True)
    known = auth.post_form("/password-reset", {"email": "Rita@example.com"})
    unknown = auth.post_form("/password-reset", {"email": "nobody@example.com"}, form_page="/password-reset")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == "/password-reset/sent"
    inbox = smtp.deliver()
    [message] = inbox.messages  # none for the unknown address
    assert message["To"] == "rita@example.com" and message["Subject"] == "Reset your miniBank password"
    path, token = link_in(message)
    assert path == "/password-reset/confirm" and "15 minutes" in body_of(message)

    form = client.get(f"/password-reset/confirm?token={token}")
    assert form.status_code == 200 and "Choose a new password" in form.get_data(as_text=True)
    page = f"/password-reset/confirm?token={token}"
    mismatch = auth.post_form(
        "/password-reset/confirm",
        {"token": token, "new_password": NEW_PASSWORD, "confirm_new_password": "something else"},
        form_page=page,
    )
    assert mismatch.status_code == 422 and "do not match" in mismatch.get_data(as_text=True)
    weak = auth.post_form(
        "/password-reset/confirm",
        {"token": token, "new_password": "password1234", "confirm_new_password": "password1234"},
        form_page=page,
    )
    assert weak.status_code == 422 and "too common" in weak.get_data(as_text=True)
    done = auth.post_form(
        "/password-reset/confirm",
        {"token": token, "new_password": NEW_PASSWORD, "confirm_new_password": NEW_PASSWORD},
        form_page=page,
    )
    assert done.status_code == 303 and done.headers["Location"] == "/"
    assert client.get("/api/v1/me", headers=api_token).status_code == 401  # every token ended
    assert auth.login("rita@example.com").status_code == 401
    assert auth.login("rita@example.com", NEW_PASSWORD).status_code == 303
    used = client.get(f"/password-reset/confirm?token={token}")
    assert used.status_code == 400 and "Ask for a new link" in used.get_data(as_text=True)
    [changed] = smtp.deliver().to("rita@example.com")[1:]
    assert changed["Subject"] == "Your miniBank password was changed"
    events = db.read(lambda c: c.execute(select(audit_events.c.event)).scalars().all())
    assert {"password.reset_requested", "password.reset_unknown", "password.reset"} <= set(events)


def test_a_reset_link_expires(app, client, auth, db, smtp, make_user):
    app.config["PASSWORD_RESET_TTL"] = 60
    make_user(email="rita@example.com")
    client.post("/api/v1/password-resets", json={"email": "rita@example.com"})
    [message] = smtp.deliver().messages
    _, token = link_in(message)
    from datetime import timedelta

    from sqlalchemy import update

    from minibank.models import utcnow

    db.write(lambda c: c.execute(update(email_tokens).values(expires_at=utcnow() - timedelta(seconds=1))))
    assert client.get(f"/password-reset/confirm?token={token}").status_code == 400
    refused = client.post("/api/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert (refused.status_code, refused.get_json()["code"]) == (422, "invalid_link")


def test_api_password_reset_answers_the_same_and_ends_every_token(client, auth, smtp, make_user):
    make_user(email="rita@example.com")
    headers = auth.bearer("rita@example.com")
    known = client.post("/api/v1/password-resets", json={"email": "rita@example.com"})
    unknown = client.post("/api/v1/password-resets", json={"email": "nobody@example.com"})
    malformed = client.post("/api/v1/password-resets", json={"email": "not an address"})
    assert answer(known) == answer(unknown) == answer(malformed)
    assert answer(known)[0] == 202
    [message] = smtp.deliver().messages
    _, token = link_in(message)
    weak = client.post("/api/v1/password-resets/confirm", json={"token": token, "password": "short"})
    assert weak.status_code == 422
    done = client.post("/api/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert auth.bearer("rita@example.com", NEW_PASSWORD)
    again = client.post("/api/v1/password-resets/confirm", json={"token": token, "password": "another passphrase x"})
    assert (again.status_code, again.get_json()["code"]) == (422, "invalid_link")


def test_asking_for_reset_links_is_limited_per_address_and_per_email(database_url, tmp_path, monkeypatch):
    from minibank import create_app
    from minibank.extensions import db as app_db

    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "limited"))
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_PASSWORD_RESET": "3 per hour",
            "RATELIMIT_PASSWORD_RESET_EMAIL": "2 per hour",
        }
    )
    try:
        client = app.test_client()

        def ask(email, address):
            body = {"email": email}
            return client.post("/api/v1/password-resets", json=body, environ_base={"REMOTE_ADDR": address}).status_code

        # Per e-mail, whatever the address: nobody fills an inbox with links.
        assert [ask("victim@example.com", f"10.0.0.{n}") for n in range(3)] == [202, 202, 429]
        # Per address, whatever the e-mail.
        assert [ask(f"u{n}@example.com", "10.9.9.9") for n in range(4)] == [202, 202, 202, 429]
    finally:
        app_db.dispose()
