"""Statement download: CSV content, formula escaping, date range, friendly refusals."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from minibank.models import entries
from minibank.services import history, transfers
from minibank.web import statement

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "plain memo"]


@pytest.fixture
def statement_account(db, customer, make_account):
    """The customer's funded account after transfers with formula-like memos."""
    user, funded, _ = customer
    other = make_account(balance=0)
    for n, memo in enumerate(HOSTILE, start=1):
        transfers.transfer(
            db, actor_id=user.id, source=funded.number, destination=other.number, amount=n * 100, memo=memo
        )
    return funded, other


def _rows(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_statement_is_a_csv_attachment_oldest_first(client, statement_account):
    funded, other = statement_account
    response = client.get(f"/accounts/{funded.number}/statement.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"statement-{funded.number}-start-to-today.csv" in disposition
    rows = _rows(response)
    header = ["date", "transfer_id", "counterparty", "counterparty_name", "memo", "amount", "currency", "balance_after"]
    assert rows[0] == header
    assert [r[5] for r in rows[1:]] == ["100.00", "-1.00", "-2.00", "-3.00", "-4.00", "-5.00"]
    assert [r[7] for r in rows[1:]] == ["100.00", "99.00", "97.00", "94.00", "90.00", "85.00"]
    assert rows[1][2:4] == ["cash", "Cash deposit"] and rows[2][2] == other.number and rows[2][6] == "USD"
    assert rows[2][1].isdigit() and len(rows[2][0]) == 19


def test_cells_that_look_like_formulas_are_escaped(client, statement_account):
    rows = _rows(client.get(f"/accounts/{statement_account[0].number}/statement.csv"))
    assert [r[4] for r in rows[2:]] == ["'" + m for m in HOSTILE[:4]] + ["plain memo"]
    assert all(not r[5].startswith("'") for r in rows[1:])  # amounts stay numbers


def test_date_range_is_inclusive_in_utc(client, statement_account):
    number = statement_account[0].number
    today = datetime.now(UTC).date()
    tomorrow = today + timedelta(days=1)
    same_day = client.get(f"/accounts/{number}/statement.csv?from={today}&to={today}")
    assert len(_rows(same_day)) == 7 and f"{today}-to-{today}" in same_day.headers["Content-Disposition"]
    assert len(_rows(client.get(f"/accounts/{number}/statement.csv?from={tomorrow}"))) == 1  # header only


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2025-02-01&to=2025-01-31", "must not be before the start date"),
        ("from=31/01/2025", "as YYYY-MM-DD"),
        ("to=2025-02-30", "as YYYY-MM-DD"),
        ("from=20250101", "as YYYY-MM-DD"),
        ("to=9999-12-31", "as YYYY-MM-DD"),
    ],
)
def test_bad_or_reversed_dates_reshow_the_page_with_a_form_error(client, statement_account, query, message):
    response = client.get(f"/accounts/{statement_account[0].number}/statement.csv?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert message in page and "download these movements as CSV" in page and "Traceback" not in page


def test_days_and_times_follow_the_banks_time_zone(app, db, client, statement_account):
    # 23:30 UTC on 31 January is already 1 February, 00:30, in Berlin.
    app.config["TIMEZONE"] = "Europe/Berlin"
    funded = statement_account[0]
    late = datetime(2025, 1, 31, 23, 30, tzinfo=UTC)
    db.write(
        lambda conn: conn.execute(update(entries).where(entries.c.account_id == funded.id).values(created_at=late))
    )
    january = _rows(client.get(f"/accounts/{funded.number}/statement.csv?from=2025-01-31&to=2025-01-31"))
    february = _rows(client.get(f"/accounts/{funded.number}/statement.csv?from=2025-02-01&to=2025-02-01"))
    assert len(january) == 1 and len(february) == 7
    assert february[1][0] == "2025-02-01 00:30:00"
    page = client.get(f"/accounts/{funded.number}").get_data(as_text=True)
    assert "Saturday 1 February 2025" in page and "00:30" in page  # the day's heading, then the time


def test_a_statement_streams_in_pieces_and_loses_no_line(client, statement_account, monkeypatch):
    whole = _rows(client.get(f"/accounts/{statement_account[0].number}/statement.csv"))
    monkeypatch.setattr(history, "STATEMENT_BATCH", 2)
    monkeypatch.setattr(statement, "_LINES_PER_PIECE", 2)
    response = client.get(f"/accounts/{statement_account[0].number}/statement.csv")
    assert response.is_streamed and _rows(response) == whole and len(whole) == 7
