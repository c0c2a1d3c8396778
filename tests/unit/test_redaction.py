"""The log processor that keeps secrets and account numbers out of the logs."""

import pytest

from minibank.domain.accounts import mask_number
from minibank.ops.redaction import REDACTED, redact


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "Password",
        "new_password",
        "token",
        "access_token",
        "Authorization",
        "cookie",
        "Set-Cookie",
        "secret",
        "SECRET_KEY",
        "csrf_token",
        "X-CSRF-Token",
    ],
)
def test_secret_named_keys_are_redacted_at_any_depth(key):
    event = {"event": "x", key: "s3cr3t", "nested": {key: "s3cr3t", "list": [{key: "s3cr3t"}]}}
    assert "s3cr3t" not in repr(redact(None, "info", event))
    assert redact(None, "info", {key: {"deep": 1}})[key] == REDACTED


@pytest.mark.parametrize(
    "key", ["account", "source", "destination", "number", "from", "to", "to_account", "account_number"]
)
def test_account_numbers_keep_their_last_four_digits(key):
    assert redact(None, "info", {key: "4821093377"}) == {key: "******3377"}


def test_other_values_pass_through():
    event = {"event": "transfer.ok", "amount": 1234567806, "transfer_id": 7, "to": "alice", "request_id": "abc"}
    assert redact(None, "info", dict(event)) == event


@pytest.mark.parametrize(
    "value, masked", [("4821093377", "******3377"), ("1234", "1234"), ("12ab567890", "12ab567890"), (None, None)]
)
def test_mask_number(value, masked):
    assert mask_number(value) == masked


import pytest  # noqa: E402

from minibank.ops.redaction import redact as _redact  # noqa: E402


@pytest.mark.parametrize("value", ["1234-5678-90", "12345678901234", "1234 5678 9012", "98765432x1", 12345678901])
def test_malformed_account_numbers_are_masked_too(value):
    logged = _redact(None, None, {"destination": value, "to": value})
    assert all(str(value)[:-4] not in text for text in logged.values())
    assert logged["to"].endswith(str(value)[-4:])


def test_the_development_server_logs_no_raw_path(capsys):
    from minibank.ops.serve import QuietHandler

    QuietHandler.log_request(object(), 200, 10)
    assert capsys.readouterr() == ("", "")
