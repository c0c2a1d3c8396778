"""/readyz tells the truth: it fails while moves cannot be written and while sealing has stalled."""

from datetime import timedelta

import pytest
from sqlalchemy import event, update

from minibank import create_app
from minibank.extensions import db as app_db
from minibank.models import audit_events, utcnow
from minibank.store import audit_seal, write_health

from .test_api_transfers import transfer


@pytest.fixture(autouse=True)
def fresh_write_health():
    """Each test starts from a process that has written nothing yet."""
    write_health.succeeded()
    yield
    write_health.succeeded()


def test_a_full_disk_takes_the_instance_out_of_rotation_until_a_move_goes_through(client, db, bank):
    alice, bob = bank.customer(balance=10_000), bank.customer()
    assert client.get("/readyz").status_code == 200
    pages = db.read(lambda conn: conn.exec_driver_sql("PRAGMA page_count").scalar())

    def cap(connection, _record):
        connection.execute(f"PRAGMA max_page_count = {pages}")

    event.listen(db.engine, "connect", cap)
    db.engine.dispose()
    failed = [transfer(client, alice, bob.account, "1.00", memo="x" * 140) for _ in range(30)]
    assert any(response.get_json().get("code") == "ledger_unavailable" for response in failed)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["writes"] == "failing"

    event.remove(db.engine, "connect", cap)
    db.engine.dispose()
    assert transfer(client, alice, bob.account, "1.00").status_code == 201
    assert client.get("/readyz").status_code == 200


def test_stalled_sealing_fails_readiness_until_the_chain_catches_up(sqlite_url, tmp_path, monkeypatch, bank):
    monkeypatch.setenv("MINIBANK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "DATABASE_URL": sqlite_url, "AUDIT_SEALER": True})
    probe = app.test_client()
    bank.customer(balance=100)  # audit events, not yet sealed
    assert probe.get("/readyz").status_code == 200  # unsealed for a moment is normal
    an_hour_ago = utcnow() - timedelta(hours=1)
    app_db.write(lambda conn: conn.execute(update(audit_events).values(created_at=an_hour_ago)))
    response = probe.get("/readyz")
    assert response.status_code == 503 and response.get_json()["checks"]["audit"] == "sealing stalled"
    audit_seal.seal(app_db)
    assert probe.get("/readyz").status_code == 200
