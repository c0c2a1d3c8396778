"""The sessions page signing out another session, and the owner's unlock link from the lockout message,
in headless Chromium at phone and desktop widths, with axe-core on every state."""

import pytest

from ..support.smtp import SmtpServer
from .conftest import DESKTOP, PHONE, screenshot
from .pages import ALICE, BOB, log_in, no_horizontal_scroll
from .test_identity import emailed_link

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


@VIEWPORTS
def test_signing_out_another_session_from_the_sessions_page(live, open_page, check_accessibility, viewport):
    size = "phone" if viewport == PHONE else "desktop"
    here, elsewhere = open_page(viewport=viewport), open_page(viewport=DESKTOP)
    log_in(elsewhere, live.url, *ALICE)
    log_in(here, live.url, *ALICE)
    here.get_by_role("link", name="Password").first.click()
    here.get_by_role("link", name="Sessions and devices").click()
    here.get_by_role("heading", name="Sessions and devices").wait_for()
    assert here.get_by_text("This device").count() == 1
    assert no_horizontal_scroll(here)
    check_accessibility(here, "the sessions page with two sessions")
    screenshot(here, f"sessions-{size}")

    here.locator("form[action$='/end'] button").click()
    here.get_by_text("That session has been signed out.").wait_for()
    here.get_by_text("You are signed in on this device only.").wait_for()
    check_accessibility(here, "the sessions page after signing one out")
    elsewhere.goto(live.url + "/dashboard")
    elsewhere.get_by_role("heading", name="Log in").wait_for()  # that browser's session ended at once
    here.goto(live.url + "/dashboard")
    here.wait_for_url("**/dashboard")


@VIEWPORTS
def test_the_owner_unlocks_a_locked_login_from_the_lockout_message(live, open_page, check_accessibility, viewport):
    size = "phone" if viewport == PHONE else "desktop"
    email, password = BOB
    page = open_page(viewport=viewport)
    with SmtpServer() as server:
        live.app.config["SMTP_URL"] = server.url()
        page.goto(live.url + "/")
        for _ in range(6):
            page.get_by_label("E-mail").fill(email)
            page.get_by_label("Password", exact=True).fill("not my password at all")
            page.get_by_role("button", name="Log in").click()
            page.locator("[data-error-summary]").wait_for()
        page.get_by_text("Too many failed attempts").wait_for()
        assert no_horizontal_scroll(page)
        check_accessibility(page, "the login page during a lockout")
        screenshot(page, f"lockout-{size}")

        page.get_by_role("link", name="E-mail me an unlock link").click()
        page.get_by_role("heading", name="Unlock your login").wait_for()
        assert page.get_by_label("E-mail").input_value() == email
        check_accessibility(page, "asking for an unlock link")
        page.get_by_role("button", name="E-mail me an unlock link").click()
        page.get_by_role("heading", name="Check your inbox").wait_for()
        check_accessibility(page, "check your inbox, after asking for an unlock link")

        page.goto(emailed_link(live, server, email))
        page.get_by_role("heading", name="Unlock your login").wait_for()
        check_accessibility(page, "the unlock link's page")
        screenshot(page, f"unlock-{size}")
        page.get_by_role("button", name="Unlock my login").click()
        page.get_by_text("Your login is unlocked in this browser").wait_for()
        check_accessibility(page, "the login page, unlocked")
        log_in(page, live.url, email, password)

        page.goto(page.url.replace("/dashboard", "") + "/login/unlock/confirm?token=" + "x" * 43)
        page.get_by_text("This link is not valid").wait_for()
        check_accessibility(page, "an unlock link that is not valid")
