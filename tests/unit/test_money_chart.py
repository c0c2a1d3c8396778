"""The money chart's pure parts: month boundaries in a time zone, the scale, the bars."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from minibank.services.monthly import Month, month_starts
from minibank.web.chart import BOTTOM, HEIGHT, TOP, axis_label, draw, nice_step


def test_twelve_months_back_across_a_year_end_and_the_start_of_the_next():
    starts = month_starts(datetime(2026, 1, 15, tzinfo=UTC), ZoneInfo("UTC"))
    assert [s.date() for s in (starts[0], starts[11], starts[12])] == [
        date(2025, 2, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert len(starts) == 13


def test_the_current_month_is_the_banks_not_utcs():
    # 18:20 UTC on 31 January is 00:05 on 1 February in Kathmandu (UTC+5:45).
    starts = month_starts(datetime(2026, 1, 31, 18, 20, tzinfo=UTC), ZoneInfo("Asia/Kathmandu"))
    assert starts[11].date() == date(2026, 2, 1)
    assert starts[11].astimezone(UTC) == datetime(2026, 1, 31, 18, 15, tzinfo=UTC)


def test_month_starts_follow_daylight_saving_time():
    starts = month_starts(datetime(2026, 4, 10, tzinfo=UTC), ZoneInfo("Europe/Berlin"))
    assert starts[10].astimezone(UTC) == datetime(2026, 2, 28, 23, tzinfo=UTC)  # 1 March, CET
    assert starts[11].astimezone(UTC) == datetime(2026, 3, 31, 22, tzinfo=UTC)  # 1 April, CEST


@pytest.mark.parametrize(
    ("top", "step"),
    [(0, 100), (1, 100), (350, 100), (401, 200), (250_000, 100_000), (199_999, 50_000), (4_000_000, 1_000_000)],
)
def test_the_scale_is_four_round_steps_that_reach_the_largest_bar(top, step):
    assert nice_step(top) == step and step * 4 >= top


@pytest.mark.parametrize(
    ("minor", "step", "label"),
    [
        (0, 100_000, "0"),
        (300_000, 100_000, "3k"),
        (150_000, 50_000, "1,500"),
        (30, 10, "0.30"),
        (1_000_000_000, 500_000_000, "10M"),
    ],
)
def test_gridline_labels_are_short(minor, step, label):
    assert axis_label(minor, step) == label


def test_bars_stand_on_the_base_in_proportion_and_a_tiny_one_still_shows():
    months = [Month(date(2025, 12 + i, 1) if i == 0 else date(2026, i, 1), 0, 0) for i in range(12)]
    months[3] = Month(months[3].start, 400_000, 1)
    months[5] = Month(months[5].start, 0, 200_000)
    chart = draw(months)
    plot = HEIGHT - TOP - BOTTOM
    assert [line[1] for line in chart.gridlines] == ["0", "1k", "2k", "3k", "4k"]
    money_in, money_out = chart.slots[3].bars
    assert money_in.height == plot and money_out.height == 1.0 and money_in.y + money_in.height == chart.base
    assert chart.slots[5].bars[1].height == plot / 2 and chart.slots[0].bars[0].height == 0
    assert [s.year for s in chart.slots if s.year] == ["2025", "2026"]  # the first month's and January's
    assert (chart.money_in, chart.money_out, chart.slots[3].name) == (400_000, 200_001, "March 2026")
