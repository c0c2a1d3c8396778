"""Money parsing and formatting: decimal text <-> integer minor units."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minibank.domain.errors import InvalidAmount
from minibank.domain.money import MAX_MINOR, format_amount, format_money, parse_amount


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("12", 1200),
        ("12.3", 1230),
        ("12.34", 1234),
        ("0.01", 1),
        ("0.1", 10),
        ("007.50", 750),
        ("92233720368547758.07", MAX_MINOR),
    ],
)
def test_parses_decimal_text_to_minor_units(text, minor):
    assert parse_amount(text) == minor


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "-1",
        "+1",
        "1e3",
        "1E3",
        "1.234",
        "1.",
        ".5",
        " 1",
        "1 ",
        "1,00",
        "1_000",
        "NaN",
        "nan",
        "Infinity",
        "inf",
        "-Infinity",
        "0",
        "0.00",
        "0.0",
        "١٢",
        "１２",
        "92233720368547758.08",
        "9" * 19,
        "9" * 400,
        "0x10",
        "1.2.3",
        "\n1",
        "1\n",
    ],
)
def test_refuses_everything_else(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text)


@pytest.mark.parametrize("value", [None, 12, 12.5, True, b"12", ["12"], {"a": 1}])
def test_refuses_non_text(value):
    with pytest.raises(InvalidAmount):
        parse_amount(value)


def test_formats_minor_units():
    assert format_amount(1234) == "12.34"
    assert format_amount(5) == "0.05"
    assert format_amount(-5) == "-0.05"
    assert format_amount(0) == "0.00"
    assert format_money(123456789, "USD") == "1,234,567.89 USD"
    assert format_money(-150, "EUR") == "-1.50 EUR"


@given(st.integers(min_value=1, max_value=MAX_MINOR))
def test_format_then_parse_round_trips(minor):
    assert parse_amount(format_amount(minor)) == minor


def test_waits_read_as_people_say_them():
    from minibank.domain.text import how_long

    assert [how_long(s) for s in (1, 45, 89, 300, 5399, 7200)] == [
        "1 second",
        "45 seconds",
        "89 seconds",
        "about 5 minutes",
        "about 90 minutes",
        "about 2 hours",
    ]
