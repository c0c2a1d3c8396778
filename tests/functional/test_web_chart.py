"""The account page's money chart: its figures against the ledger's own entries, on both engines."""

import html
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from minibank.domain.errors import NotFound
from minibank.domain.money import format_money
from minibank.models import entries, utcnow
from minibank.services import monthly, transfers
from minibank.store import ledger
from minibank.web.chart import month_name

from ..support.databases import DATABASES, database_url_for

# 45 minutes off the hour: a month starts at 18:15 UTC the day before, which a sum by UTC hour would miss.
ZONE = "Asia/Kathmandu"


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """This file runs on both engines (the other functional tests use SQLite only)."""
    return database_url_for(request.param, request, tmp_path)


@pytest.fixture
def zone(app):
    """The bank's time zone for this test."""
    app.config["TIMEZONE"] = ZONE
    return ZoneInfo(ZONE)


def months_back(now: datetime, back: int, zone: ZoneInfo) -> datetime:
    """Midnight on the 1st of the month ``back`` months before ``now``'s, in ``zone``."""
    index = now.year * 12 + now.month - 1 - back
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=zone)


def ledger_sums(db, account_id: int, zone: ZoneInfo) -> Counter:
    """Money in and out per (year, month) in ``zone``, summed in Python from every entry of the account."""
    rows = db.read(
        lambda conn: conn.execute(
            select(entries.c.created_at, entries.c.amount).where(entries.c.account_id == account_id)
        ).all()
    )
    sums: Counter = Counter()
    for created_at, amount in rows:
        local = created_at.astimezone(zone)
        sums[(local.year, local.month, "in" if amount > 0 else "out")] += abs(amount)
    return sums


def chart_table(page: str) -> list[tuple[str, ...]]:
    """The chart's table as text: (month, in, out, net) per row."""
    start = page.index('<details class="chart-table">')
    table = page[start : page.index("</details>", start)]
    return [
        (month, *(html.unescape(cell) for cell in re.findall(r"<td[^>]*>([^<]*)</td>", cells)))
        for month, cells in re.findall(r'<th scope="row">([^<]+)</th>(.*?)</tr>', table, re.DOTALL)
    ]


@pytest.fixture
def moved(db, customer, make_account, zone, monkeypatch):
    """A fresh account of the customer's with movements stamped in several past months by the real ledger."""
    user, _, _ = customer
    account = make_account(owner=user, name="Travel")
    other = make_account()
    now = datetime.now(zone)

    def at(moment: datetime) -> None:
        monkeypatch.setattr(ledger, "utcnow", lambda: moment.astimezone(UTC))

    def pay(moment: datetime, amount: int, memo: str) -> None:
        at(moment)
        transfers.transfer(
            db, actor_id=user.id, source=account.number, destination=other.number, amount=amount, memo=memo
        )

    start = months_back(now, 12, zone) + timedelta(days=3)  # a month before the chart's first: left out
    at(start)
    transfers.deposit(db, account=account.number, amount=500_000, memo="before the chart")
    pay(start + timedelta(hours=1), 1_000, "before the chart")
    at(months_back(now, 11, zone) + timedelta(days=9, hours=12))
    transfers.deposit(db, account=account.number, amount=120_000, memo="salary")
    pay(months_back(now, 11, zone) + timedelta(days=10), 4_550, "groceries")
    # Either side of midnight on the 1st, bank time: 23:50 is the month before, 00:10 the month itself.
    boundary = months_back(now, 3, zone)
    pay(boundary - timedelta(minutes=10), 2_500, "late on the last day")
    pay(boundary + timedelta(minutes=10), 7_525, "early on the first")
    at(boundary + timedelta(days=2))
    transfers.transfer(
        db, actor_id=other.owner_id, source=other.number, destination=account.number, amount=3_000, memo="back"
    )
    monkeypatch.setattr(ledger, "utcnow", utcnow)  # the current month's movement at the real time
    pay(datetime.now(zone), 999, "today")
    return user, account, other, now


def test_the_monthly_figures_match_the_ledgers_entries(db, moved, zone):
    user, account, _, now = moved
    flows = monthly.last_months(db, number=account.number, owner_id=user.id, zone=zone)
    expected = ledger_sums(db, account.id, zone)
    starts = [months_back(now, back, zone) for back in range(11, -1, -1)]
    assert [m.start for m in flows.months] == [s.date() for s in starts]
    for month in flows.months:
        key = (month.start.year, month.start.month)
        assert (month.money_in, month.money_out) == (expected[(*key, "in")], expected[(*key, "out")])
        assert month.net == month.money_in - month.money_out
    # What the fixture made, month by month (oldest first), as a plain check of the zone's cut.
    figures = [(m.money_in, m.money_out) for m in flows.months]
    assert figures[0] == (120_000, 4_550) and figures[7] == (0, 2_500) and figures[8] == (3_000, 7_525)
    assert figures[11] == (0, 999) and all(f == (0, 0) for f in figures[1:7] + figures[9:11])
    older = months_back(now, 12, zone)
    assert expected[(older.year, older.month, "in")] == 500_000  # there in the ledger, outside the chart


def test_the_page_draws_the_chart_and_its_table_from_the_same_figures(client, db, moved, zone):
    _, account, _, now = moved
    response = client.get(f"/accounts/{account.number}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    expected = ledger_sums(db, account.id, zone)
    rows = []
    for back in range(11, -1, -1):
        start = months_back(now, back, zone)
        money_in, money_out = expected[(start.year, start.month, "in")], expected[(start.year, start.month, "out")]
        name = month_name(monthly.Month(start.date(), 0, 0))
        rows.append((name, *(format_money(v, "USD") for v in (money_in, money_out, money_in - money_out))))
    assert chart_table(page) == rows
    assert ("0.00 USD", "0.00 USD", "0.00 USD") in [row[1:] for row in rows]  # a quiet month shows zeros
    start = page.index('id="chart-heading"')
    section = page[start : page.index("</section>", start)]
    svg = section[section.index("<svg") : section.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="chart-title"' in svg and "<script" not in section
    assert svg.count('class="bar in"') == 12 and svg.count('class="bar out"') == 12
    assert "1,230.00 USD came in and 155.74 USD went out" in svg


def test_an_account_with_no_history_renders_without_a_chart(client, customer):
    _, _, empty = customer
    response = client.get(f"/accounts/{empty.number}")
    assert response.status_code == 200
    assert "No money has moved on this account in the last twelve months." in response.get_data(as_text=True)


def test_another_customers_account_is_not_found(client, customer, make_account):
    other = make_account(balance=5_000)
    assert client.get(f"/accounts/{other.number}").status_code == 404
    assert client.get(f"/details?account={other.number}").status_code == 404


def test_the_service_refuses_another_owners_account(db, customer, make_account, zone):
    other = make_account(balance=5_000)
    with pytest.raises(NotFound):
        monthly.last_months(db, number=other.number, owner_id=customer[0].id, zone=zone)
