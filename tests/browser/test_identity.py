"""Registering, confirming the address and resetting a forgotten password in headless Chromium, with axe-core."""

import re

import pytest

from minibank.ops.mailer import sender_for

from ..support.smtp import SmtpServer, body_of
from .conftest import DESKTOP, PHONE, screenshot
from .pages import log_in, no_horizontal_scroll, register

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
PASSPHRASE = "a long and quiet river at dawn"
NEW_PASSPHRASE = "another calm lake at dusk"
_LINK = re.compile(r"http://localhost:5000(/[\w/-]+\?token=[\w-]+)")


def emailed_link(live, server, to: str) -> str:
    """Send what the outbox holds, and the link in the newest message for ``to``."""
    sender_for(live.app).send_due()
    [path] = _LINK.findall(body_of(server.inbox.to(to)[-1]))
    return live.url + path


@VIEWPORTS
def test_register_confirm_then_reset_a_forgotten_password(live, open_page, check_accessibility, viewport):
    size = "phone" if viewport == PHONE else "desktop"
    email = f"nina-{size}@example.com"
    page = open_page(viewport=viewport)
    with SmtpServer() as server:
        live.app.config["SMTP_URL"] = server.url()
        register(page, live.url, email=email, name="Nina Newcomer", password=PASSPHRASE)
        page.get_by_role("heading", name="Check your inbox").wait_for()
        assert no_horizontal_scroll(page)
        check_accessibility(page, "check your inbox, after registering")
        screenshot(page, f"check-inbox-{size}")

        page.goto(emailed_link(live, server, email))
        page.get_by_role("heading", name="E-mail address confirmed").wait_for()
        check_accessibility(page, "the address confirmed")
        page.goto(page.url)  # the link again: used once already
        page.get_by_role("heading", name="Link not valid").wait_for()
        check_accessibility(page, "a verification link used twice")

        page.goto(live.url + "/")
        page.get_by_role("link", name="Forgot password?").click()
        page.get_by_role("heading", name="Forgot password").wait_for()
        assert no_horizontal_scroll(page)
        check_accessibility(page, "the forgot password form")
        page.get_by_role("button", name="Send the link").click()
        page.locator("[data-error-summary]").wait_for()
        check_accessibility(page, "the forgot password form with an error")
        page.get_by_label("E-mail").fill(email)
        page.get_by_role("button", name="Send the link").click()
        page.get_by_role("heading", name="Check your inbox").wait_for()
        check_accessibility(page, "check your inbox, after asking for a reset link")

        page.goto(emailed_link(live, server, email))
        page.get_by_role("heading", name="Choose a new password").wait_for()
        assert no_horizontal_scroll(page)
        check_accessibility(page, "choose a new password")
        screenshot(page, f"password-reset-{size}")
        page.get_by_label("New password", exact=True).fill(NEW_PASSPHRASE)
        page.get_by_label("Confirm new password").fill("not the same at all")
        page.get_by_role("button", name="Set the new password").click()
        page.locator("[data-error-summary]").wait_for()
        check_accessibility(page, "choose a new password, the two not matching")
        page.get_by_label("New password", exact=True).fill(NEW_PASSPHRASE)
        page.get_by_label("Confirm new password").fill(NEW_PASSPHRASE)
        page.get_by_role("button", name="Set the new password").click()
        page.get_by_text("Your password has been changed").wait_for()
        check_accessibility(page, "the login page after a reset")
        log_in(page, live.url, email, NEW_PASSPHRASE)


def test_a_reset_link_that_is_not_valid_says_so(live, open_page, check_accessibility):
    page = open_page()
    page.goto(live.url + "/password-reset/confirm?token=" + "x" * 43)
    page.get_by_role("heading", name="Link not valid").wait_for()
    check_accessibility(page, "a reset link that is not valid")
    page.get_by_role("link", name="Ask for a new link").click()
    page.get_by_role("heading", name="Forgot password").wait_for()
