"""The account page's money chart in headless Chromium: at 375 px and desktop, with and without script."""

from datetime import UTC, datetime, timedelta

import pytest

from minibank.models import utcnow
from minibank.services import accounts, transfers, users
from minibank.store import ledger

from .conftest import DESKTOP, PHONE, screenshot
from .pages import ALICE, BOB, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


def months_ago(months: int, day: int) -> datetime:
    """Noon UTC on ``day`` of the month ``months`` before this one (the live bank's zone is UTC)."""
    now = datetime.now(UTC)
    index = now.year * 12 + now.month - 1 - months
    return datetime(index // 12, index % 12 + 1, day, 12, tzinfo=UTC)


@pytest.fixture
def holiday(live, monkeypatch):
    """A new account of Alice's, empty; ``fill()`` then moves money in and out of it over several past months."""
    db = live.db
    alice = users.get_by_email(db, email=ALICE[0])
    account = accounts.open_account(db, owner_id=alice.id, name="Holiday", currency=live.app.config["CURRENCY"])
    bob = live.account_of(BOB[0]).number

    def fill() -> None:
        for months, money_in, money_out in [
            (10, 250_000, 40_000),
            (7, 60_000, 125_050),
            (3, 0, 18_000),
            (1, 90_000, 0),
        ]:
            moment = months_ago(months, 12)
            monkeypatch.setattr(ledger, "utcnow", lambda moment=moment: moment)
            if money_in:
                transfers.deposit(db, account=account.number, amount=money_in, memo="savings")
            if money_out:
                monkeypatch.setattr(ledger, "utcnow", lambda moment=moment: moment + timedelta(days=3))
                transfers.transfer(
                    db, actor_id=alice.id, source=account.number, destination=bob, amount=money_out, memo="trip"
                )
        monkeypatch.setattr(ledger, "utcnow", utcnow)

    return account, fill


@VIEWPORTS
def test_the_chart_and_its_table_read_well_and_pass_axe(live, open_page, check_accessibility, holiday, viewport):
    size = "phone" if viewport == PHONE else "desktop"
    account, fill = holiday
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    page.goto(f"{live.url}/accounts/{account.number}")
    page.get_by_text("No money has moved on this account in the last twelve months.").wait_for()
    check_accessibility(page, "an account with no movements")

    fill()
    page.reload()
    chart = page.get_by_role("img", name="Money in and out of Holiday per month")
    assert chart.is_visible() and page.locator("svg rect.bar").count() == 24
    assert no_horizontal_scroll(page)
    width = chart.bounding_box()["width"]
    assert min(viewport["width"] - 60, 550) <= width <= 576  # the phone's whole width; capped on desktop
    check_accessibility(page, "the chart")
    screenshot(page, f"chart-{size}")

    table = page.locator("details.chart-table table")
    assert not table.is_visible()
    page.get_by_text("Show as a table").click()
    assert table.is_visible() and table.locator("tbody tr").count() == 12
    assert "2,500.00 USD" in table.inner_text() and "1,250.50 USD" in table.inner_text()
    assert no_horizontal_scroll(page)
    check_accessibility(page, "the chart's table opened")
    screenshot(page, f"chart-table-{size}")


def test_the_chart_needs_no_script(live, open_page, holiday):
    account, fill = holiday
    fill()
    page = open_page(viewport=PHONE, javascript=False)
    log_in(page, live.url, *ALICE)
    page.goto(f"{live.url}/accounts/{account.number}")
    assert page.get_by_role("img", name="Money in and out of Holiday per month").is_visible()
    page.get_by_text("Show as a table").click()
    assert page.locator("details.chart-table tbody tr").count() == 12
    assert page.locator("details.chart-table").get_attribute("open") is not None
