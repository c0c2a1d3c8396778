"""Logs: a request id on every line of a request, one summary line, and no secrets."""

import json

import pytest
import structlog

from minibank.domain import errors
from minibank.ops import logging as ops_logging
from minibank.services import transfers

PASSWORD = "a-very-secret-password-1"
BEARER = "eyJhbGciOiJIUzI1NiJ9.secret-token-value"


@pytest.fixture
def logs(app, capsys):
    """JSON log lines written from now on, read with logs()."""
    ops_logging.configure(json=True)
    capsys.readouterr()

    def read():
        text = capsys.readouterr().out
        read.text += text
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    read.text = ""
    return read


def test_request_id_is_honoured_echoed_and_on_every_line(app, client, logs):
    @app.get("/test/log")
    def probe():
        structlog.get_logger("test").info("probe", password=PASSWORD, account="4821093377")
        return {"ok": True}

    response = client.get("/test/log", headers={"X-Request-ID": "req-1.A_b"})
    assert response.headers["X-Request-ID"] == "req-1.A_b"
    probe_line, request_line = logs()
    assert probe_line["request_id"] == request_line["request_id"] == "req-1.A_b"
    assert (probe_line["password"], probe_line["account"]) == ("[redacted]", "******3377")
    assert {key: request_line[key] for key in ("event", "method", "route", "status", "user_id")} == {
        "event": "request",
        "method": "GET",
        "route": "/test/log",
        "status": 200,
        "user_id": None,
    }
    assert request_line["duration_ms"] >= 0


@pytest.mark.parametrize("given", [None, "", "has space", "x" * 65, "semi;colon", "ünïcode"])
def test_a_missing_or_malformed_request_id_is_replaced(client, logs, given):
    headers = {"X-Request-ID": given} if given is not None else {}
    response = client.get("/healthz", headers=headers)
    generated = response.headers["X-Request-ID"]
    assert generated != given and len(generated) == 32 and int(generated, 16) >= 0
    assert logs()[-1]["request_id"] == generated


def test_unmatched_paths_log_no_raw_path(client, logs):
    assert client.get("/accounts/4821093377/secret").status_code == 404
    (line,) = logs()
    assert (line["route"], line["status"]) == ("<unmatched>", 404)
    assert "4821093377" not in logs.text


def test_no_secret_or_full_account_number_in_a_whole_flow(app, db, client, runner, logs, make_user, make_account):
    created = runner.invoke(
        args=["create-user", "carol@example.com", "--name", "Carol", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert created.exit_code == 0, created.output
    carol = make_user(email="dave@example.com")
    source, destination = make_account(owner=carol), make_account()
    deposited = runner.invoke(args=["deposit", source.number, "50.00"])
    assert deposited.exit_code == 0, deposited.output
    transfers.transfer(db, actor_id=carol.id, source=source.number, destination=destination.number, amount=1_000)
    with pytest.raises(errors.BankError):
        transfers.transfer(db, actor_id=carol.id, source=source.number, destination=destination.number, amount=10**9)
    client.get("/healthz", headers={"Authorization": f"Bearer {BEARER}", "Cookie": f"session={BEARER}"})
    events = {line["event"] for line in logs()}
    assert {"transfer.ok", "transfer.refused", "request"} <= events
    assert "deposit.ok" in deposited.stderr and "deposit.ok" not in deposited.stdout  # logs keep off the result
    everything = logs.text + created.output + deposited.output
    for secret in (PASSWORD, BEARER, source.number, destination.number):
        assert secret not in everything
    assert f"******{source.number[-4:]}" in everything
