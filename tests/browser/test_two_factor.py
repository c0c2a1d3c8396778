"""Setting up two-factor authentication and logging in with a code, in headless Chromium with axe-core."""

import time

import pyotp
import pytest

from .conftest import DESKTOP, PHONE, screenshot
from .pages import ALICE, log_in, log_out, no_horizontal_scroll

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


@VIEWPORTS
def test_set_up_two_factor_authentication_then_log_in_with_a_code(live, open_page, check_accessibility, viewport):
    size = "phone" if viewport == PHONE else "desktop"
    email, password = ALICE
    page = open_page(viewport=viewport)
    log_in(page, live.url, email, password)
    page.goto(live.url + "/settings/password")
    page.get_by_role("link", name="Two-factor authentication").click()
    page.get_by_role("heading", name="Two-factor authentication").wait_for()
    check_accessibility(page, "two-factor authentication, off")
    page.get_by_role("button", name="Set up two-factor authentication").click()
    page.get_by_role("img", name="QR code for your authenticator app").wait_for()
    assert no_horizontal_scroll(page)
    check_accessibility(page, "setting up: the QR code and the key")
    screenshot(page, f"two-factor-setup-{size}")

    # What a person does who cannot scan: type the key shown on the page into the app.
    typed_key = page.locator("#totp-secret").inner_text().replace(" ", "")
    app = pyotp.TOTP(typed_key)
    page.get_by_label("Code", exact=True).fill("000000" if app.now() != "000000" else "111111")
    page.get_by_role("button", name="Turn on").click()
    page.locator("[data-error-summary]").wait_for()
    check_accessibility(page, "setting up, with a wrong code")
    # The previous step's code (one step back is accepted), so that the login below has a later one.
    page.get_by_label("Code", exact=True).fill(app.at(time.time() - 30))
    page.get_by_role("button", name="Turn on").click()
    page.get_by_role("heading", name="Two-factor authentication is on").wait_for()
    assert page.get_by_text("Store these codes now").is_visible()
    assert page.locator(".recovery-codes li").count() == 10
    assert no_horizontal_scroll(page)
    check_accessibility(page, "the ten recovery codes, shown once")
    screenshot(page, f"two-factor-codes-{size}")
    page.get_by_role("link", name="I have stored my codes").click()
    page.get_by_text("10 of 10 recovery codes left").wait_for()
    check_accessibility(page, "two-factor authentication, on")

    log_out(page)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Enter your code").wait_for()
    check_accessibility(page, "the login's code page")
    page.get_by_label("Code", exact=True).fill("abcde-fghjk")
    page.get_by_role("button", name="Log in").click()
    page.locator("[data-error-summary]").wait_for()
    check_accessibility(page, "the login's code page, with a wrong code")
    screenshot(page, f"two-factor-login-code-{size}")
    page.get_by_label("Code", exact=True).fill(app.now())
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard")
