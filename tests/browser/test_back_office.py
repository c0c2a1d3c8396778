"""A teller's day so far in headless Chromium: log in, land on the back office, find a customer, pay cash in
with Check and confirm and a receipt; a supervisor freezes an account and reads the audit trail. axe-core
checks every page state, at phone and desktop widths."""

import pytest

from .conftest import DESKTOP, PHONE, screenshot
from .pages import ALICE, log_in, log_out, no_horizontal_scroll

pytestmark = pytest.mark.browser

TELLER = ("teller@example.com", "teller-demo-password")
SUPERVISOR = ("supervisor@example.com", "supervisor-demo-password")


@pytest.mark.parametrize(("viewport", "size"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_a_tellers_day_find_a_customer_and_pay_cash_in(live, open_page, check_accessibility, viewport, size):
    page = open_page(viewport=viewport)
    log_in(page, live.url, *TELLER, lands_on="/admin")
    page.get_by_role("heading", name="Back office").wait_for()
    check_accessibility(page, f"the back office's home ({size})")
    page.get_by_label("Name, e-mail or account number").fill("")
    page.get_by_role("button", name="Find").click()
    page.get_by_text("There is a problem").wait_for()
    check_accessibility(page, f"the search with nothing typed ({size})")

    page.get_by_label("Name, e-mail or account number").fill("ALICE")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Alice Example").click()
    page.get_by_role("heading", name="Alice Example").wait_for()
    screenshot(page, f"back-office-customer-{size}")
    check_accessibility(page, f"a customer's page ({size})")
    assert no_horizontal_scroll(page)

    checking = live.account_of(ALICE[0])
    before = live.balance(checking.number)
    page.get_by_role("link", name="Cash in or out of Checking").click()
    page.get_by_label("Amount").fill("12.345")
    page.get_by_role("button", name="Review").click()
    page.get_by_text("There is a problem").wait_for()
    check_accessibility(page, f"the cash form with the amount refused ({size})")
    page.get_by_label("Amount").fill("40.00")
    page.get_by_label("Memo (optional)").fill("Counter deposit")
    page.get_by_role("button", name="Review").click()
    page.get_by_role("heading", name="Check and confirm").wait_for()
    assert live.balance(checking.number) == before  # nothing moves before Confirm
    screenshot(page, f"back-office-cash-confirm-{size}")
    check_accessibility(page, f"the cash's Check and confirm ({size})")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Cash paid in").wait_for()
    assert page.get_by_text("Paid in 40.00 USD").is_visible()
    screenshot(page, f"back-office-receipt-{size}")
    check_accessibility(page, f"the cash receipt ({size})")
    assert live.balance(checking.number) == before + 4_000
    page.go_back()  # Back from the receipt never pays twice: the confirmation leads to the receipt
    page.get_by_role("heading", name="Cash paid in").wait_for()
    assert live.balance(checking.number) == before + 4_000
    log_out(page)


def test_a_supervisor_freezes_an_account_and_reads_the_audit_trail(live, open_page, check_accessibility):
    page = open_page(viewport=PHONE)
    log_in(page, live.url, *SUPERVISOR, lands_on="/admin")
    page.get_by_label("Name, e-mail or account number").fill("bob@")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Bob Example").click()
    page.get_by_role("button", name="Freeze Checking").click()
    page.get_by_text("is frozen").wait_for()
    check_accessibility(page, "a customer's page with a frozen account")
    page.get_by_role("link", name="Audit trail").first.click()
    page.get_by_role("heading", name="Hash chain").wait_for()
    page.get_by_label("Event", exact=True).fill("account.frozen")
    page.get_by_role("button", name="Show events").click()
    page.get_by_role("cell", name="account.frozen").wait_for()
    screenshot(page, "back-office-audit-phone")
    assert no_horizontal_scroll(page)
    check_accessibility(page, "the audit trail, filtered")
    page.set_viewport_size(DESKTOP)
    check_accessibility(page, "the audit trail at desktop width")
