"""The text an audit event's hash covers is the one the chain was first sealed with: json.dumps's,
sorted and compact, non-ASCII as itself; written faster, never differently."""

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from minibank.store.audit_seal import canonical, chain_hash
from minibank.store.driver import pg_array


def _reference(row, seq: int) -> str:
    """The canonical text as the sealer first wrote it."""
    return json.dumps(
        {
            "id": row.id,
            "seq": seq,
            "created_at": row.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": row.actor_id,
            "client_ip": row.client_ip,
            "event": row.event,
            "object": row.object,
            "outcome": row.outcome,
            "details": row.details,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _row(text: str, **changes) -> SimpleNamespace:
    fields = {
        "id": 2**62 + 7,
        "created_at": datetime(2026, 12, 4, 1, 2, 3, 450000, tzinfo=UTC),
        "actor_id": 42,
        "client_ip": "2001:db8::1",
        "event": "transfer.refused",
        "object": text,
        "outcome": "refused",
        "details": json.dumps({"code": "insufficient_funds", "memo": text}),
    }
    return SimpleNamespace(**{**fields, **changes})


def test_every_character_is_written_as_the_chain_was_sealed():
    # In blocks; lone surrogates cannot be stored in either database.
    for start in range(0, 0x110000, 4096):
        block = "".join(chr(c) for c in range(start, start + 4096) if not 0xD800 <= c <= 0xDFFF)
        row = _row(block + '"\\/')
        assert canonical(row, 9) == _reference(row, 9), f"block U+{start:04X}"


@pytest.mark.parametrize(
    "changes",
    [
        {"actor_id": None, "client_ip": None, "object": None},
        {"created_at": datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=-5)))},  # no microseconds, not UTC
        {"details": "{}", "event": "login", "outcome": "success"},
    ],
)
def test_empty_fields_and_other_zones_too(changes):
    row = _row("transfer:1", **changes)
    assert canonical(row, 1) == _reference(row, 1)
    prev = "ab" * 32
    assert chain_hash(prev, row, 1) == hashlib.sha256((prev + _reference(row, 1)).encode()).hexdigest()


def test_array_text_quotes_whatever_would_end_an_element():
    assert pg_array([1, None, -3]) == "{1,NULL,-3}"
    assert pg_array(['a "b"', "c\\d", "{e,f}", "NULL", ""]) == r'{"a \"b\"","c\\d","{e,f}","NULL",""}'
    assert pg_array([]) == "{}"
