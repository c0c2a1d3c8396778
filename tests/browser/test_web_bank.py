"""A person's journeys through the web bank in headless Chromium."""

import csv

import pytest

from .conftest import PHONE, screenshot
from .pages import ALICE, BOB, fill_transfer, log_in, log_out, no_horizontal_scroll, register

pytestmark = pytest.mark.browser


def test_newcomer_then_alice_transfers_and_downloads_a_statement(live, open_page, tmp_path, check_accessibility):
    page = open_page()
    page.goto(live.url + "/register")
    check_accessibility(page, "the register form")
    register(
        page, live.url, email="newcomer@example.com", name="Nina Newcomer", password="a long and quiet river at dawn"
    )
    page.get_by_role("heading", name="Check your inbox").wait_for()
    check_accessibility(page, "check your inbox, after registering")
    log_in(page, live.url, "newcomer@example.com", "a long and quiet river at dawn")
    page.wait_for_url("**/dashboard")
    check_accessibility(page, "a newcomer's empty dashboard")
    for name in ("Everyday", "Rainy day"):
        page.get_by_label("Name of the new account").fill(name)
        page.get_by_role("button", name="Open account").click()
        page.get_by_role("link", name=name).wait_for()
    check_accessibility(page, "the dashboard with two new accounts")
    log_out(page)
    check_accessibility(page, "the login page after logging out")

    log_in(page, live.url, *ALICE)
    checking, bob = live.account_of(ALICE[0]), live.account_of(BOB[0])
    fill_transfer(page, live.url, to=bob.number, amount="25.00", memo="Lunch")
    confirm = page.get_by_role("button", name="Confirm and send")
    assert (
        page.get_by_role("heading", name="Check and confirm").is_visible()
        and page.get_by_text("25.00 USD").is_visible()
    )
    # The payee's name is never revealed (the whole name in the HTML: a random token may hold "Bob").
    assert "Bob" not in page.inner_text("body") and "Bob Example" not in page.content()
    check_accessibility(page, "Check and confirm")
    confirm.click()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    assert page.get_by_text("7,475.00 USD").is_visible() and page.get_by_text("Sent 25.00 USD").is_visible()
    check_accessibility(page, "the receipt")
    assert live.balance(checking.number) == 747_500 and live.balance(bob.number) == 102_500

    page.get_by_role("link", name="Back to your accounts").click()
    assert page.get_by_text("Sent 25.00 USD").count() == 0  # said on the receipt, not again here
    screenshot(page, "dashboard")
    check_accessibility(page, "the dashboard after a transfer")
    page.get_by_role("link", name="Checking").first.click()
    check_accessibility(page, "the account's history")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="download these movements as CSV").click()
    path = tmp_path / "statement.csv"
    download_info.value.save_as(path)
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[0][0] == "date" and rows[-1][4:6] == ["Lunch", "-25.00"] and rows[-1][2] == bob.number
    log_out(page)


def test_bad_amount_and_mistyped_number_show_field_errors(live, open_page, check_accessibility):
    page = open_page()
    log_in(page, live.url, *ALICE)
    page.goto(live.url + "/transfer")
    check_accessibility(page, "the empty transfer form")
    bob = live.account_of(BOB[0]).number
    page.get_by_label("To account number").fill(bob[:-1] + str((int(bob[-1]) + 1) % 10))
    page.get_by_label("Amount").focus()  # leaving the field runs the client-side check
    assert "check the digits" in page.locator("#to-check").inner_text()
    screenshot(page, "transfer-form")
    check_accessibility(page, "the transfer form with a mistyped number")
    fill_transfer(page, live.url, to=bob, amount="12.345", memo="kept")
    assert "positive number" in page.locator("#amount-error").inner_text()
    assert page.get_by_label("Memo (optional)").input_value() == "kept"
    assert page.get_by_label("Amount").get_attribute("aria-invalid") == "true"
    check_accessibility(page, "the transfer form with the amount refused")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_double_click_on_confirm_moves_money_once(live, open_page, javascript, check_accessibility):
    page = open_page(javascript=javascript)
    log_in(page, live.url, *ALICE)
    checking, bob = live.account_of(ALICE[0]), live.account_of(BOB[0])
    fill_transfer(page, live.url, to=bob.number, amount="10.00")
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.url.endswith("/transfer/confirm") else None)
    page.get_by_role("button", name="Confirm and send").dblclick()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    page.reload()  # and a reload of the receipt moves nothing either
    if javascript:  # axe-core runs as a script; the pages without JavaScript are the same HTML
        check_accessibility(page, "the receipt after a reload")
    if javascript:
        assert sent == [live.url + "/transfer/confirm"]  # app.js let the form go once
    # (Without JavaScript Chromium itself folds the double click into one submission; two
    # submissions of the same token are proven to move money once in tests/functional.)
    assert live.balance(checking.number) == 749_000 and live.balance(bob.number) == 101_000


def test_resubmitting_the_confirmation_replays_the_first_receipt(live, open_page, check_accessibility):
    page = open_page()
    log_in(page, live.url, *ALICE)
    checking = live.account_of(ALICE[0])
    fill_transfer(page, live.url, to=live.account_of(BOB[0]).number, amount="7.00")
    page.get_by_role("heading", name="Check and confirm").wait_for()  # the review redirects to its own page
    # As a back-and-resubmit would: the same confirmation form posted twice, then a third time by the button.
    urls = page.evaluate("""async () => {
        const form = document.querySelector("form[data-submit-once]");
        const send = () => fetch(form.action, {method: "POST", body: new FormData(form)}).then(r => r.url);
        return [await send(), await send()];
    }""")
    page.get_by_role("button", name="Confirm and send").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    assert urls[0] == urls[1] == page.url and "/transfers/" in page.url
    check_accessibility(page, "the replayed receipt")
    assert live.balance(checking.number) == 749_300


def test_stored_xss_memo_raises_no_dialog(live, open_page, check_accessibility):
    memo = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    dialogs = []
    page = open_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live.url, *ALICE)
    bob = live.account_of(BOB[0])
    fill_transfer(page, live.url, to=bob.number, amount="1.00", memo=memo)
    page.get_by_role("button", name="Confirm and send").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    assert page.get_by_text(memo).is_visible()
    check_accessibility(page, "a receipt with markup in its memo")
    log_out(page)
    log_in(page, live.url, *BOB)
    assert page.get_by_text(memo).is_visible()  # on bob's dashboard, as text
    check_accessibility(page, "bob's dashboard")
    page.goto(f"{live.url}/accounts/{bob.number}")
    assert page.get_by_text(memo).is_visible()
    check_accessibility(page, "bob's account history")
    assert dialogs == []


def test_keyboard_only_login(live, open_page, check_accessibility):
    page = open_page()
    page.goto(live.url + "/")
    check_accessibility(page, "the login page")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    page.keyboard.type(ALICE[0])
    page.keyboard.press("Tab")
    page.keyboard.type(ALICE[1])
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard")
    check_accessibility(page, "alice's dashboard")


def test_pages_fit_a_375px_phone(live, open_page, check_accessibility):
    page = open_page(viewport=PHONE)
    page.goto(live.url + "/")
    assert no_horizontal_scroll(page)
    check_accessibility(page, "the login page on a phone")
    page.goto(live.url + "/register")
    assert no_horizontal_scroll(page)
    check_accessibility(page, "the register form on a phone")
    log_in(page, live.url, *ALICE)
    checking, bob = live.account_of(ALICE[0]), live.account_of(BOB[0])
    fill_transfer(page, live.url, to=bob.number, amount="5.00", memo="A fairly long memo to see how it wraps")
    assert no_horizontal_scroll(page)
    check_accessibility(page, "Check and confirm on a phone")
    page.get_by_role("button", name="Confirm and send").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()
    assert no_horizontal_scroll(page)
    check_accessibility(page, "the receipt on a phone")
    for path, name in (
        ("/dashboard", "dashboard-phone"),
        (f"/accounts/{checking.number}", "account-phone"),
        ("/transfer", "transfer-form-phone"),
        ("/settings/password", None),
        ("/nope", None),
    ):
        page.goto(live.url + path)
        assert no_horizontal_scroll(page), path
        check_accessibility(page, f"{path} on a phone")
        if name:
            screenshot(page, name)
