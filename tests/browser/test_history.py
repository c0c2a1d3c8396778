"""History in headless Chromium: names not numbers, grouped by day, search and filters, a compact phone list."""

import pytest

from .conftest import DESKTOP, PHONE, screenshot
from .pages import ALICE, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


def movements(page) -> list[str]:
    """Each listed movement's text, as shown."""
    return [" ".join(text.split()) for text in page.locator("ul.movements li").all_inner_texts()]


@VIEWPORTS
def test_alice_reads_searches_and_filters_her_history(live, open_page, check_accessibility, viewport):
    size = "phone" if viewport == PHONE else "desktop"
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    page.goto(f"{live.url}/accounts/{live.account_of(ALICE[0]).number}")
    rows = movements(page)
    assert len(rows) == 20 and page.locator("h3.day").count() >= 5
    assert any("Harbour Lettings" in row for row in rows) and any("Green Grocers" in row for row in rows)
    assert no_horizontal_scroll(page)
    screenshot(page, f"history-{size}")
    page.evaluate("window.scrollTo(0, document.querySelector('.history-days').offsetTop - 16)")
    screenshot(page, f"history-{size}-screen", full_page=False)  # docs/history-phone.png is this, on the phone
    if viewport == PHONE:
        # A movement in two lines: twenty of them, each on a day of its own, in half what label cards took.
        height = page.locator("div.history-days").bounding_box()["height"]
        assert height < 2_400, height
        line = page.locator("a.movement-row").first.bounding_box()["height"]
        assert line < 70, line
    check_accessibility(page, f"the grouped history ({size})")

    page.get_by_role("searchbox", name="Search").fill("rent")
    page.get_by_role("button", name="Search", exact=True).click()
    rows = movements(page)
    assert rows and all("Harbour Lettings" in row and "Rent" in row for row in rows)
    check_accessibility(page, f"a history search ({size})")

    page.get_by_role("searchbox", name="Search").fill("")
    page.get_by_text("Dates, direction and amounts").click()
    page.get_by_label("Direction").select_option("in")
    page.get_by_label("Smallest amount").fill("1,000.00")
    page.get_by_role("button", name="Show movements").click()
    rows = movements(page)
    assert rows[-1].startswith("Cash deposit") and "Opening deposit" in rows[-1]
    assert len(rows) > 2 and all("Acme Works Ltd" in row and "Salary" in row for row in rows[:-1])
    assert page.get_by_role("link", name="Clear the search and show every movement").is_visible()
    screenshot(page, f"history-filtered-{size}")
    check_accessibility(page, f"filtered history ({size})")

    page.get_by_label("Smallest amount").fill("12,34")
    page.get_by_role("button", name="Show movements").click()
    assert page.locator("#min_amount-error").inner_text().startswith("Put commas only between groups of three digits")
    check_accessibility(page, f"a filter refused ({size})")

    page.get_by_role("link", name="Clear the search and show every movement").click()
    page.locator("a.movement-row", has_text="Acme Works Ltd").first.click()
    page.get_by_role("heading", name="Money received").wait_for()
    assert page.get_by_text("Acme Works Ltd").first.is_visible() and page.get_by_text("Checking").first.is_visible()
    check_accessibility(page, f"a receipt with names ({size})")
