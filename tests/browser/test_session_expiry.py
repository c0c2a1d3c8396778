"""Session expiry in headless Chromium, on a phone and a desktop side by side (so each wait for a
session's end is paid once): the warning and Stay signed in; a form typed as the session ends comes
back filled in after login, with and without JavaScript."""

import time

import pytest

from .conftest import DESKTOP, PHONE, SHORT_SESSION, screenshot
from .pages import ALICE, BOB, log_in, no_horizontal_scroll

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # each waits for a session to end (about 25 s)

SIZES = {"phone": PHONE, "desktop": DESKTOP}
# Time enough for a session to end: the token's life, its leeway, and a slow machine's margin.
UNTIL_THE_END_MS = (SHORT_SESSION + 15) * 1000
RESTORED = "Your session ended, so nothing was sent. Check the details and send again."


def watch_for_csp_refusals(page) -> list[str]:
    """The console's complaints about the Content-Security-Policy on this page, as they come."""
    refusals: list[str] = []
    page.on(
        "console", lambda message: refusals.append(message.text) if "Content Security Policy" in message.text else None
    )
    return refusals


def ends_at(page) -> int:
    """When the bank says this browser's session ends (its cookie), in seconds since the epoch."""
    return int(next(c["value"] for c in page.context.cookies() if c["name"] == "minibank-ends"))


def type_a_transfer(page, url: str, to: str) -> None:
    """Open the transfer form and type into it, without sending it."""
    page.goto(url + "/transfer")
    page.get_by_label("To account number").fill(to)
    page.get_by_label("Amount").fill("4.25")
    page.get_by_label("Memo (optional)").fill("half-typed")


def log_in_again(page) -> None:
    """Log in as Alice on the login page the bank sent us to (no wait for the dashboard)."""
    page.get_by_label("E-mail").fill(ALICE[0])
    page.get_by_label("Password").fill(ALICE[1])
    page.get_by_role("button", name="Log in").click()


def assert_typed_form(page, to: str) -> None:
    """The transfer form, filled in with what was typed, and the message that nothing was sent."""
    page.wait_for_url("**/transfer")
    assert page.get_by_role("status").filter(has_text=RESTORED).is_visible()
    assert page.get_by_label("To account number").input_value() == to
    assert page.get_by_label("Amount").input_value() == "4.25"
    assert page.get_by_label("Memo (optional)").input_value() == "half-typed"


def test_the_page_warns_before_the_session_ends_and_stay_signed_in_renews_it(
    short_lived, open_page, check_accessibility
):
    pages = {size: open_page(viewport=viewport) for size, viewport in SIZES.items()}
    refusals = {size: watch_for_csp_refusals(page) for size, page in pages.items()}
    for page in pages.values():
        log_in(page, short_lived.url, *ALICE)
        page.goto(short_lived.url + "/transfer")
        page.get_by_label("Amount").fill("3.00")  # typing, when the warning comes
    for size, page in pages.items():
        warning = page.get_by_role("alertdialog", name="Your session will end soon")
        warning.wait_for(timeout=UNTIL_THE_END_MS)
        assert "unless you stay signed in" in warning.inner_text()
        assert page.evaluate("document.activeElement.textContent") == "Stay signed in"
        assert no_horizontal_scroll(page)
        check_accessibility(page, f"the session's warning ({size})")
        screenshot(page, f"session-warning-{size}", full_page=False)
        before = ends_at(page)
        page.keyboard.press("Enter")  # the focused button: Stay signed in, from the keyboard
        warning.wait_for(state="hidden")
        assert ends_at(page) > before  # the bank renewed the session
        assert page.evaluate("document.activeElement.id") == "amount"  # back where the customer was typing
        assert page.get_by_label("Amount").input_value() == "3.00"
        check_accessibility(page, f"the form after Stay signed in ({size})")
    for page in pages.values():
        page.reload()
        assert page.get_by_role("heading", name="Transfer money").is_visible()  # still signed in
    assert refusals == {"phone": [], "desktop": []}  # the dialog needs no inline script or style


def test_a_form_typed_as_the_session_ends_comes_back_filled_in_after_login(short_lived, open_page, check_accessibility):
    bob = short_lived.account_of(BOB[0]).number
    alice = short_lived.account_of(ALICE[0]).number
    before = short_lived.balance(alice)
    pages = {size: open_page(viewport=viewport) for size, viewport in SIZES.items()}
    without_script = open_page(viewport=PHONE, javascript=False)
    for page in [*pages.values(), without_script]:
        log_in(page, short_lived.url, *ALICE)
        type_a_transfer(page, short_lived.url, bob)

    for size, page in pages.items():
        ended = page.get_by_role("alertdialog", name="Your session has ended")
        ended.wait_for(timeout=UNTIL_THE_END_MS)
        assert "has not been sent" in ended.inner_text()
        assert page.evaluate("document.activeElement.textContent") == "Log in again"
        check_accessibility(page, f"the session has ended ({size})")
        screenshot(page, f"session-ended-{size}", full_page=False)
        ended.get_by_role("button", name="Log in again").click()
        page.get_by_role("heading", name="Log in").wait_for()
        assert page.get_by_text("what you typed is kept").is_visible()
        check_accessibility(page, f"the login page after the session ended ({size})")
        log_in_again(page)
        assert_typed_form(page, bob)
        assert no_horizontal_scroll(page)
        check_accessibility(page, f"the form filled in again ({size})")
        screenshot(page, f"session-restored-{size}")

    # Without JavaScript there is no notice: the form is sent after the end, and kept all the same.
    time.sleep(max(0.0, ends_at(without_script) + 1 - time.time()))
    without_script.get_by_role("button", name="Review transfer").click()
    without_script.get_by_role("heading", name="Log in").wait_for()
    assert without_script.get_by_text("what you typed is kept").is_visible()
    log_in_again(without_script)
    assert_typed_form(without_script, bob)
    assert short_lived.balance(alice) == before  # nothing was sent
