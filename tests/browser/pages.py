"""What a person does on the web bank, as Playwright steps."""

ALICE = ("alice@example.com", "alice-demo-password")
BOB = ("bob@example.com", "bob-demo-password")


def log_in(page, url: str, email: str, password: str, *, lands_on: str = "/dashboard") -> None:
    """Log in from the landing page and land on the dashboard (staff: the back office, ``lands_on="/admin"``)."""
    page.goto(url + "/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**" + lands_on)


def register(page, url: str, *, email: str, name: str, password: str, confirmation: str | None = None) -> None:
    """Fill the registration form (the password twice) and send it."""
    page.goto(url + "/register")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Confirm password").fill(password if confirmation is None else confirmation)
    page.get_by_role("button", name="Register").click()


def log_out(page) -> None:
    """Press the logout button and land on the login page."""
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in").wait_for()


def fill_transfer(page, url: str, *, to: str, amount: str, memo: str = "", source: str | None = None) -> None:
    """Fill the transfer form and ask to review it."""
    page.goto(url + "/transfer")
    if source:
        page.get_by_label("From").select_option(source)
    page.get_by_label("To account number").fill(to)
    page.get_by_label("Amount").fill(amount)
    page.get_by_label("Memo (optional)").fill(memo)
    page.get_by_role("button", name="Review transfer").click()


def no_horizontal_scroll(page) -> bool:
    """True when the page fits the viewport's width."""
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
