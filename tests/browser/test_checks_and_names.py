"""What the other browser tests leave out, at 375 px and desktop: a move between own accounts on the
dashboard, the amount field's commas, a refusal at Confirm, a name typed on the transfer form and a
payee saved from it, a statement's names, the lockout's wait, the menu on a 405 and an expired form,
and the API's docs on a phone."""

import csv
import re

import pytest

from minibank.services import transfers, users

from .conftest import DESKTOP, PHONE, screenshot
from .pages import ALICE, BOB, fill_transfer, log_in, no_horizontal_scroll
from .test_payees import forget_payees

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


def size_of(viewport) -> str:
    return "phone" if viewport == PHONE else "desktop"


def send_and_wait(page) -> None:
    """Press Confirm and send and wait for the receipt."""
    page.get_by_role("button", name="Confirm and send").click()
    page.get_by_role("heading", name="Transfer sent").wait_for()


@VIEWPORTS
def test_a_move_between_own_accounts_shows_once_on_the_dashboard(live, open_page, check_accessibility, viewport):
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    savings = live.account_of(ALICE[0], "Savings").number
    fill_transfer(page, live.url, to=savings, amount="12.00", memo="Into the jar")
    send_and_wait(page)
    page.goto(live.url + "/dashboard")
    latest = page.locator("section[aria-labelledby='latest-heading'] tbody tr")
    latest.first.wait_for()
    rows = [" ".join(text.split()) for text in latest.all_inner_texts()]
    moved = [row for row in rows if "Into the jar" in row]
    assert len(moved) == 1, rows  # once, not once per account
    assert "Checking" in moved[0] and "To your Savings" in moved[0] and "12.00 USD" in moved[0]
    assert not any(savings in re.sub(r"\D", "", row) for row in rows)  # by its name, not its number
    assert no_horizontal_scroll(page)
    check_accessibility(page, f"the dashboard after a move between own accounts ({size_of(viewport)})")
    screenshot(page, f"dashboard-own-move-{size_of(viewport)}")


@VIEWPORTS
def test_the_amount_field_takes_grouping_commas_and_says_what_it_refuses(
    live, open_page, check_accessibility, viewport
):
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    checking, bob = live.account_of(ALICE[0]).number, live.account_of(BOB[0]).number
    before = live.balance(checking)
    fill_transfer(page, live.url, to=bob, amount="1,00.00", memo="Commas")
    error = page.locator("#amount-error")
    error.wait_for()
    assert "commas only between groups of three digits" in error.inner_text()
    assert page.get_by_label("Amount").input_value() == "1,00.00"  # what was typed, to correct
    assert no_horizontal_scroll(page)
    check_accessibility(page, f"the amount refused for its commas ({size_of(viewport)})")
    screenshot(page, f"transfer-amount-commas-refused-{size_of(viewport)}")

    page.get_by_label("Amount").fill("1,000.00")
    page.get_by_role("button", name="Review transfer").click()
    page.get_by_role("heading", name="Check and confirm").wait_for()
    assert page.get_by_text("1,000.00 USD").is_visible()
    check_accessibility(page, f"Check and confirm for 1,000.00 ({size_of(viewport)})")
    send_and_wait(page)
    assert live.balance(checking) == before - 100_000


@VIEWPORTS
def test_a_refusal_at_confirm_after_the_balance_went_down_reads_clearly(live, open_page, check_accessibility, viewport):
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    checking, bob = live.account_of(ALICE[0]).number, live.account_of(BOB[0]).number
    savings = live.account_of(ALICE[0], "Savings").number
    fill_transfer(page, live.url, to=bob, amount="7,000.00", memo="Car")
    page.get_by_role("heading", name="Check and confirm").wait_for()  # the check passed: 7,500.00 held
    alice = users.get_by_email(live.db, email=ALICE[0])
    transfers.transfer(live.db, actor_id=alice.id, source=checking, destination=savings, amount=100_000, memo="")
    before = live.balance(checking), live.balance(bob)

    page.get_by_role("button", name="Confirm and send").click()
    page.get_by_role("heading", name="Transfer money").wait_for()
    assert page.locator("#amount-error").inner_text().strip() == "Not enough money: 6,500.00 USD available."
    assert page.title().startswith("Error: ")
    assert page.get_by_label("Memo (optional)").input_value() == "Car"
    assert (live.balance(checking), live.balance(bob)) == before  # nothing moved
    assert no_horizontal_scroll(page)
    check_accessibility(page, f"a refusal at Confirm ({size_of(viewport)})")
    screenshot(page, f"transfer-refused-at-confirm-{size_of(viewport)}")


@VIEWPORTS
def test_a_name_that_does_not_match_must_be_acknowledged_before_anything_is_sent(
    live, open_page, check_accessibility, viewport
):
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    checking, bob = live.account_of(ALICE[0]).number, live.account_of(BOB[0]).number
    before = live.balance(checking)
    page.goto(live.url + "/transfer")
    page.get_by_label("To account number").fill(bob)
    page.get_by_label("Amount").fill("3.00")
    page.get_by_label("Their name (optional)").fill("Carol Smith")
    page.get_by_role("button", name="Review transfer").click()
    page.get_by_role("heading", name="Check and confirm").wait_for()
    warning = page.get_by_role("alert")
    assert "does not match" in warning.inner_text()
    # The holder's name is never shown on a no match: not as text, nor anywhere in the page's HTML (by the
    # whole name: a random token in a hidden field may hold the letters "Bob").
    assert "Bob" not in page.inner_text("body") and "Bob Example" not in page.content()
    assert no_horizontal_scroll(page)
    check_accessibility(page, f"a no match on Check and confirm ({size_of(viewport)})")
    screenshot(page, f"transfer-no-match-{size_of(viewport)}")

    page.get_by_role("button", name="Confirm and send").click()  # without ticking the box
    page.locator("[data-error-summary]").wait_for()
    assert page.get_by_label(re.compile("send it anyway")).is_visible() and live.balance(checking) == before
    check_accessibility(page, f"Check and confirm asking for the acknowledgement ({size_of(viewport)})")

    page.get_by_label(re.compile("send it anyway")).check()
    send_and_wait(page)
    assert live.balance(checking) == before - 300


@VIEWPORTS
def test_the_lockout_says_how_long_to_wait(live, open_page, check_accessibility, viewport):
    page = open_page(viewport=viewport)
    page.goto(live.url + "/")
    for _ in range(10):
        page.get_by_label("E-mail").fill(ALICE[0])
        page.get_by_label("Password", exact=True).fill("not the password")
        page.get_by_role("button", name="Log in").click()
        page.locator("[data-error-summary]").wait_for()
        if "Too many failed attempts" in page.locator("[data-error-summary]").inner_text():
            break
    said = page.locator("[data-error-summary]").inner_text()
    assert re.search(
        r"Please wait (about )?\d+ (seconds?|minutes?) and try again, or ask for an unlock link by e-mail\.", said
    ), said
    assert no_horizontal_scroll(page)
    check_accessibility(page, f"the login page saying how long to wait ({size_of(viewport)})")
    screenshot(page, f"login-lockout-{size_of(viewport)}")


@VIEWPORTS
def test_the_api_docs_fit_a_phone_and_pass_axe(live, open_page, check_accessibility, viewport):
    page = open_page(viewport=viewport)
    page.goto(live.url + "/api/docs")
    page.get_by_role("heading", name="Operations").wait_for()
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.locator("meta[name='viewport']").get_attribute("content") == "width=device-width, initial-scale=1"
    assert no_horizontal_scroll(page)
    check_accessibility(page, f"the API docs ({size_of(viewport)})")
    screenshot(page, f"api-docs-{size_of(viewport)}", full_page=False)

    page.locator("#operations-accounts-list_accounts button.opblock-summary-control").click()
    page.locator("#operations-accounts-list_accounts .opblock-body").wait_for()
    assert no_horizontal_scroll(page)
    check_accessibility(page, f"the API docs with an operation open ({size_of(viewport)})")
    screenshot(page, f"api-docs-operation-{size_of(viewport)}", full_page=False)


@VIEWPORTS
def test_a_405_and_an_expired_form_keep_the_menu_for_a_logged_in_customer(
    live, open_page, check_accessibility, viewport
):
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    answer = page.goto(live.url + "/logout")  # a GET where only POST is allowed
    assert answer.status == 405
    menu = page.get_by_role("navigation", name="Main")
    assert menu.get_by_role("link", name="Accounts").is_visible() and menu.get_by_role("button", name="Log out")
    assert no_horizontal_scroll(page)
    check_accessibility(page, f"a 405, logged in ({size_of(viewport)})")
    screenshot(page, f"method-not-allowed-logged-in-{size_of(viewport)}")

    page.goto(live.url + "/transfer")
    page.get_by_role("heading", name="Transfer money").wait_for()
    page.evaluate("document.getElementById('amount').form.elements.csrf_token.value = 'expired'")
    page.get_by_label("Amount").fill("1.00")
    with page.expect_response(lambda response: response.url.endswith("/transfer")) as sent:
        page.get_by_role("button", name="Review transfer").click()
    assert sent.value.status == 400
    page.get_by_text("The form expired or did not come from this site.").wait_for()
    assert menu.get_by_role("link", name="Accounts").is_visible()
    assert no_horizontal_scroll(page)
    check_accessibility(page, f"an expired form, logged in ({size_of(viewport)})")
    screenshot(page, f"csrf-logged-in-{size_of(viewport)}")
    menu.get_by_role("button", name="Log out").click()  # the menu's own form still works
    page.get_by_role("heading", name="Log in").wait_for()


@VIEWPORTS
def test_a_transfer_saves_its_destination_as_a_payee_with_the_name_confirmed(
    live, open_page, check_accessibility, viewport
):
    forget_payees(live, ALICE[0])
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    bob = live.account_of(BOB[0]).number
    page.goto(live.url + "/transfer")
    page.get_by_label("To account number").fill(bob)
    page.get_by_label("Amount").fill("2.00")
    page.get_by_label("Their name (optional)").fill("Bob Example")
    page.get_by_label("Save as a payee").check()
    page.get_by_role("button", name="Review transfer").click()
    page.get_by_role("heading", name="Check and confirm").wait_for()
    assert "Name confirmed" in page.get_by_role("status").filter(has_text="Name confirmed").inner_text()
    check_accessibility(page, f"Check and confirm with the name confirmed ({size_of(viewport)})")
    send_and_wait(page)
    page.get_by_text("Saved Bob Example as a payee.").wait_for()
    check_accessibility(page, f"the receipt saying the payee was saved ({size_of(viewport)})")
    page.goto(live.url + "/payees")
    page.get_by_role("heading", name="Payees").wait_for()
    assert [text.strip() for text in page.locator("ul.payees li > p").all_inner_texts()] == [
        f"Bob Example {bob[:4]} {bob[4:8]} {bob[8:]}"
    ]
    check_accessibility(page, f"the payees page with the payee saved from a transfer ({size_of(viewport)})")
    screenshot(page, f"payee-saved-from-transfer-{size_of(viewport)}")


@VIEWPORTS
def test_a_statement_names_own_accounts_payees_senders_and_cash(
    live, open_page, tmp_path, check_accessibility, viewport
):
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    page.goto(f"{live.url}/accounts/{live.account_of(ALICE[0]).number}")
    download = page.get_by_role("button", name="download these movements as CSV")
    download.wait_for()
    check_accessibility(page, f"the account page before a statement ({size_of(viewport)})")
    with page.expect_download() as got:
        download.click()
    path = tmp_path / "statement.csv"
    got.value.save_as(path)
    rows = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    assert rows[0][3] == "counterparty_name"
    names = {row[3] for row in rows[1:]}
    assert {"Savings", "Harbour Lettings", "Acme Works Ltd", "Cash deposit", "Cash withdrawal"} <= names, names
    assert not any(name.isdigit() for name in names)  # never a bare number in the name column
