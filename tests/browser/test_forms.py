"""The forms' small things in headless Chromium: the error summary, show password, copy a number, error pages, Back."""

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, screenshot
from .pages import ALICE, BOB, fill_transfer, log_in, no_horizontal_scroll, register

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
PASSPHRASE = "a long and quiet river at dawn"


def size_of(viewport) -> str:
    return "phone" if viewport == PHONE else "desktop"


def focused(page) -> str:
    """What has the focus: its id, or "error-summary" for the summary."""
    return page.evaluate(
        "document.activeElement.hasAttribute('data-error-summary') ? 'error-summary' : document.activeElement.id"
    )


@VIEWPORTS
def test_the_register_form_with_errors_says_so_first(live, open_page, check_accessibility, viewport):
    page = open_page(viewport=viewport)
    register(page, live.url, email="newcomer@example.com", name="", password=PASSPHRASE, confirmation="a long river")
    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert page.title().startswith("Error: Register")
    # app.js moves the focus once the page has loaded: wait for it (expect retries) rather than race it.
    expect(summary).to_be_focused()
    assert summary.get_attribute("tabindex") == "-1"
    assert summary.get_by_role("heading", name="There is a problem").is_visible()
    links = summary.get_by_role("link")
    assert [links.nth(n).get_attribute("href") for n in range(links.count())] == ["#name", "#confirm_password"]
    assert no_horizontal_scroll(page)
    check_accessibility(page, "the register form with errors, the summary focused")
    screenshot(page, f"register-errors-{size_of(viewport)}")

    summary.get_by_role("link", name="The two passwords do not match.").click()
    assert focused(page) == "confirm_password"  # the link goes to the field itself
    check_accessibility(page, "the register form with the focus on a field in error")

    page.get_by_label("Full name").fill("Nina Newcomer")
    page.get_by_label("Password", exact=True).fill(PASSPHRASE)
    page.get_by_label("Confirm password").fill(PASSPHRASE)
    page.get_by_role("button", name="Register").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()
    assert not page.title().startswith("Error")


@VIEWPORTS
def test_show_password_switches_each_field_and_says_its_state(live, open_page, check_accessibility, viewport):
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    page.goto(live.url + "/settings/password")
    toggles = page.get_by_role("button", name="Show password")
    assert toggles.count() == 3  # current, new, and its confirmation
    current = page.get_by_label("Current password")
    current.fill("typed to check")
    first = toggles.first
    assert first.get_attribute("aria-pressed") == "false" and first.get_attribute("aria-controls") == "current_password"
    check_accessibility(page, "the password form, passwords hidden")

    first.click()
    hide = page.get_by_role("button", name="Hide password")
    assert current.get_attribute("type") == "text" and hide.get_attribute("aria-pressed") == "true"
    assert page.get_by_label("New password", exact=True).get_attribute("type") == "password"  # only that one
    assert current.input_value() == "typed to check" and no_horizontal_scroll(page)
    check_accessibility(page, "the password form, one password shown")
    screenshot(page, f"password-shown-{size_of(viewport)}")

    hide.click()
    assert current.get_attribute("type") == "password" and first.get_attribute("aria-pressed") == "false"
    assert first.inner_text() == "Show password"

    # Shown, then sent: the field goes as a password field, and the form comes back with its errors.
    first.click()
    page.get_by_role("button", name="Change password").click()
    page.locator("[data-error-summary]").wait_for()
    assert page.get_by_label("Current password").get_attribute("type") == "password"
    check_accessibility(page, "the password form with errors")


def test_show_password_is_on_the_login_form_and_absent_without_javascript(live, open_page, check_accessibility):
    page = open_page()
    page.goto(live.url + "/")
    page.get_by_role("button", name="Show password").click()
    assert page.get_by_label("Password", exact=True).get_attribute("type") == "text"
    check_accessibility(page, "the login form, password shown")
    plain = open_page(javascript=False)
    plain.goto(live.url + "/register")
    assert plain.get_by_role("button", name="Show password").count() == 0
    assert plain.get_by_label("Password", exact=True).get_attribute("type") == "password"


def clipboard_page(open_page, live, viewport):
    """A page whose context may read and write the clipboard."""
    page = open_page(viewport=viewport)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    return page


@VIEWPORTS
def test_copy_puts_the_account_number_without_spaces_on_the_clipboard(live, open_page, check_accessibility, viewport):
    page = clipboard_page(open_page, live, viewport)
    log_in(page, live.url, *ALICE)
    checking = live.account_of(ALICE[0])
    copies = page.get_by_role("button", name="Copy account number")
    assert copies.count() == len(page.locator("table.accounts tbody tr").all())  # one per account
    check_accessibility(page, "the dashboard with copy buttons")

    page.goto(f"{live.url}/accounts/{checking.number}")
    copy = page.locator(".page-head").get_by_role("button", name="Copy account number")
    assert copy.inner_text() == "Copy" and no_horizontal_scroll(page)
    copy.click()
    said = page.locator(".page-head [aria-live='polite']")
    said.get_by_text("Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == checking.number
    check_accessibility(page, "the account page after a copy")
    screenshot(page, f"account-copied-{size_of(viewport)}")

    page.goto(live.url + "/dashboard")
    row = page.locator("table.accounts tbody tr").filter(has=page.get_by_role("link", name="Checking", exact=True))
    row.get_by_role("button", name="Copy account number").click()
    row.get_by_text("Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == checking.number
    assert no_horizontal_scroll(page)
    check_accessibility(page, "the dashboard after a copy")
    screenshot(page, f"dashboard-copied-{size_of(viewport)}")


def test_no_copy_button_without_javascript(live, open_page):
    page = open_page(javascript=False)
    log_in(page, live.url, *ALICE)
    assert page.get_by_role("button", name="Copy account number").count() == 0


@VIEWPORTS
def test_a_missing_page_keeps_the_menu_for_a_logged_in_customer(live, open_page, check_accessibility, viewport):
    page = open_page(viewport=viewport)
    page.goto(live.url + "/no-such-page")
    assert page.get_by_role("navigation", name="Main").count() == 0  # a visitor has no menu
    log_in(page, live.url, *ALICE)
    answer = page.goto(live.url + "/no-such-page")
    assert answer.status == 404 and page.get_by_role("heading", name="Not found").is_visible()
    menu = page.get_by_role("navigation", name="Main")
    assert menu.get_by_role("link", name="Accounts").is_visible() and menu.get_by_role("button", name="Log out")
    assert no_horizontal_scroll(page)
    check_accessibility(page, "a missing page, logged in")
    screenshot(page, f"not-found-logged-in-{size_of(viewport)}")
    menu.get_by_role("link", name="Accounts").click()
    page.wait_for_url("**/dashboard")


@VIEWPORTS
def test_back_from_a_receipt_shows_the_receipt_and_sends_nothing_again(live, open_page, check_accessibility, viewport):
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    checking = live.account_of(ALICE[0])
    fill_transfer(page, live.url, to=live.account_of(BOB[0]).number, amount="4.00", memo="Back and forth")
    page.get_by_role("heading", name="Check and confirm").wait_for()
    assert page.url.endswith("/transfer/confirm")  # a page of its own, reached by GET
    before = live.balance(checking.number)
    page.get_by_role("button", name="Confirm and send").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    receipt = page.url
    assert page.get_by_text("Sent 4.00 USD").count() == 1
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    page.go_back()  # no "Confirm Form Resubmission": Check and confirm leads to its receipt
    page.get_by_role("heading", name="Transfer sent").wait_for()
    assert page.url == receipt and page.get_by_text("Sent 4.00 USD").count() == 0  # said once, already
    check_accessibility(page, "the receipt after Back")
    screenshot(page, f"receipt-after-back-{size_of(viewport)}")
    page.go_forward()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    assert page.url == receipt
    page.go_back()
    page.go_back()  # the transfer form, empty and ready for another one
    page.get_by_role("heading", name="Transfer money").wait_for()
    assert page.get_by_label("Amount").input_value() == ""
    check_accessibility(page, "the transfer form after Back twice")
    assert posts == [] and live.balance(checking.number) == before - 400
