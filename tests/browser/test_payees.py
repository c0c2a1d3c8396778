"""Payees in headless Chromium: save with confirmation of payee, rename, delete, pay; and the confirm step's check."""

import re

import pytest

from minibank.services import payees, users

from .conftest import DESKTOP, PHONE, screenshot
from .pages import ALICE, BOB, fill_transfer, log_in, no_horizontal_scroll

pytestmark = pytest.mark.browser

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
HOLDER = "Bob Example"  # bob's name as the bank holds it (the demo data)


def forget_payees(live, email: str) -> None:
    """Remove the payees the demo gave a customer, so a test starts from none."""
    owner = users.get_by_email(live.db, email=email)
    for payee in payees.list_for_owner(live.db, owner_id=owner.id):
        payees.remove(live.db, owner_id=owner.id, payee_id=payee.id)


def add_payee(page, name: str, number: str) -> None:
    """Fill the payees page's form and press Save payee."""
    page.get_by_label("Their name").fill(name)
    page.get_by_label("Their account number").fill(number)
    page.get_by_role("button", name="Save payee").click()


def delete_payee(page, name: str) -> None:
    """Press a payee's Delete button and wait for the page to say so."""
    page.get_by_role("button", name=f"Delete {name}").click()
    page.get_by_text(f"Deleted the payee {name}.").wait_for()


def payee_rows(page) -> list[str]:
    """Each listed payee's line of name and number, as shown."""
    return [text.strip() for text in page.locator("ul.payees li > p").all_inner_texts()]


@VIEWPORTS
def test_alice_saves_renames_and_deletes_a_payee_with_the_name_checked(live, open_page, check_accessibility, viewport):
    size = "phone" if viewport == PHONE else "desktop"
    forget_payees(live, ALICE[0])
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    bob = live.account_of(BOB[0]).number
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payees").click()
    page.get_by_role("heading", name="Payees").wait_for()
    assert page.get_by_text("You have no payees yet.").is_visible() and no_horizontal_scroll(page)
    check_accessibility(page, "no payees yet")

    # The exact holder's name: a match, saved at once.
    add_payee(page, HOLDER, bob)
    page.get_by_text(f"Saved {HOLDER} as a payee.").wait_for()
    assert len(payee_rows(page)) == 1 and HOLDER in payee_rows(page)[0]
    assert "name not confirmed" not in payee_rows(page)[0]
    assert no_horizontal_scroll(page)
    check_accessibility(page, "a payee saved on a match")
    screenshot(page, f"payees-{size}")
    delete_payee(page, HOLDER)

    # A close name: the bank shows the name it holds; Save payee again saves it as typed.
    add_payee(page, "Bob Exmaple", bob)
    warning = page.get_by_role("alert")
    assert "Close match" in warning.inner_text() and HOLDER in warning.inner_text()
    assert payee_rows(page) == [] and no_horizontal_scroll(page)
    check_accessibility(page, "a close match's warning")
    screenshot(page, f"payees-close-match-{size}")
    page.get_by_role("button", name="Save payee").click()
    page.get_by_text("Saved Bob Exmaple as a payee.").wait_for()
    assert "Bob Exmaple" in payee_rows(page)[0] and "name not confirmed" in payee_rows(page)[0]
    check_accessibility(page, "a payee saved after a close match")
    delete_payee(page, "Bob Exmaple")

    # A wrong name: a warning that never reveals the holder's name.
    add_payee(page, "Carol Smith", bob)
    warning = page.get_by_role("alert")
    assert "does not match" in warning.inner_text()
    assert HOLDER not in page.content() and "Bob" not in page.inner_text("body")  # a token may hold "Bob"
    check_accessibility(page, "a no-match warning")
    screenshot(page, f"payees-no-match-{size}")
    page.get_by_role("button", name="Save payee").click()
    page.get_by_text("Saved Carol Smith as a payee.").wait_for()
    assert "Carol Smith" in payee_rows(page)[0] and "name not confirmed" in payee_rows(page)[0]

    # Rename: to the holder's name (a match, renamed at once), then to a close one (a warning first).
    page.get_by_label("New name for Carol Smith").fill(HOLDER)
    page.get_by_role("button", name="Rename", exact=True).click()
    page.get_by_text(f"Renamed to {HOLDER}.").wait_for()
    assert HOLDER in payee_rows(page)[0] and "name not confirmed" not in payee_rows(page)[0]
    check_accessibility(page, "a payee renamed")
    page.get_by_label(f"New name for {HOLDER}").fill("Bobby Example")
    page.get_by_role("button", name="Rename", exact=True).click()
    warning = page.get_by_role("alert")
    assert f"{HOLDER} was not renamed." in warning.inner_text() and no_horizontal_scroll(page)
    check_accessibility(page, "a rename's warning")
    page.get_by_role("button", name="Rename to Bobby Example all the same").click()
    page.get_by_text("Renamed to Bobby Example.").wait_for()
    assert "Bobby Example" in payee_rows(page)[0] and "name not confirmed" in payee_rows(page)[0]

    delete_payee(page, "Bobby Example")
    assert payee_rows(page) == [] and page.get_by_text("You have no payees yet.").is_visible()
    check_accessibility(page, "the last payee deleted")


@VIEWPORTS
def test_pay_on_the_payees_page_fills_in_the_number_and_the_form_offers_the_payee(
    live, open_page, check_accessibility, viewport
):
    forget_payees(live, ALICE[0])
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    bob = live.account_of(BOB[0]).number
    page.goto(live.url + "/payees")
    add_payee(page, HOLDER, bob)
    page.get_by_text(f"Saved {HOLDER} as a payee.").wait_for()

    page.get_by_role("link", name=f"Pay {HOLDER}").click()
    page.get_by_role("heading", name="Transfer money").wait_for()
    destination = page.get_by_label("To account number")
    assert re.sub(r"\D", "", destination.input_value()) == bob
    offered = page.locator(f"datalist#{destination.get_attribute('list')} option")
    payee = {re.sub(r"\D", "", o.get_attribute("value") or ""): o.get_attribute("label") for o in offered.all()}
    assert payee[bob] == HOLDER
    assert no_horizontal_scroll(page)
    check_accessibility(page, "the transfer form from Pay")
    screenshot(page, "transfer-to-payee-" + ("phone" if viewport == PHONE else "desktop"))


@VIEWPORTS
def test_review_refuses_more_than_the_balance_and_moves_nothing(live, open_page, check_accessibility, viewport):
    page = open_page(viewport=viewport)
    log_in(page, live.url, *ALICE)
    checking, bob = live.account_of(ALICE[0]).number, live.account_of(BOB[0]).number
    before = live.balance(checking), live.balance(bob)
    fill_transfer(page, live.url, to=bob, amount="8000.00", memo="Too much")
    page.get_by_role("heading", name="Transfer money").wait_for()
    error = page.locator("#amount-error")
    assert re.fullmatch(r"Not enough money: 7,500\.00 USD available\.", error.inner_text().strip())
    assert page.get_by_label("Amount").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("button", name="Confirm and send").count() == 0
    assert page.get_by_label("Memo (optional)").input_value() == "Too much"
    assert (live.balance(checking), live.balance(bob)) == before
    assert no_horizontal_scroll(page)
    check_accessibility(page, "the transfer form refusing more than the balance")
    screenshot(page, "transfer-not-enough-" + ("phone" if viewport == PHONE else "desktop"))
