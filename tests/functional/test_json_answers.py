"""JSON answers are written by orjson and mean what Flask's own writer meant: the same values,
times as Flask writes them, integers of any size, text other than ASCII as itself."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest


@pytest.fixture
def answer(app):
    def write(value) -> bytes:
        with app.app_context():
            return app.json.response(value).get_data()

    return write


def test_an_answer_holds_what_flask_would_have_written(app, answer):
    value = {"b": [1, None, True], "a": {"z": "naïve ✓", "y": 2**70}, "when": datetime(2026, 1, 2, 3, 4, tzinfo=UTC)}
    value["day"], value["price"] = date(2026, 1, 2), Decimal("1.20")
    with app.app_context():
        flask_text = json.dumps(value, default=app.json.default, sort_keys=True, separators=(",", ":"))
    assert json.loads(answer(value)) == json.loads(flask_text)


def test_compact_answers_are_orjson_s_text(answer):
    # orjson writes UTF-8 (Flask's writer escaped it as \u00ef) and sorts the keys, as Flask does.
    assert answer({"memo": "naïve", "amount": "1.00"}) == '{"amount":"1.00","memo":"naïve"}\n'.encode()
