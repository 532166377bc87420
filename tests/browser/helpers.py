"""Steps that many browser tests share, by accessible names only."""

import itertools
import re
import time

from playwright.sync_api import Page, expect

from nomask_app.services.operations import emails
from tests.browser.outbox import app_server_of_session, wait_for_email
from tests.factories import PASSWORD
from tests.mail import token_in

_numbers = itertools.count(1)


def at(path: str, query: str = "") -> re.Pattern:
    """Match the page URL for `path` (the static build may add a trailing slash)."""
    suffix = re.escape(query) if query else r"(\?.*)?"
    return re.compile(rf"^https?://[^/]+{re.escape(path.rstrip('/'))}/?{suffix}$")


def unique_email(prefix: str = "person") -> str:
    return f"{prefix}{next(_numbers)}-{id(_numbers)}@example.com"


def wait_until_ready(page: Page, button: str) -> None:
    """Wait until a form's submit button is enabled, i.e. the page is hydrated.

    Forms prefill from session state when hydration lands (the address typed on
    an earlier visit). A fill racing it can be appended to that prefill, so
    forms are filled only once it has landed.
    """
    expect(page.get_by_role("button", name=button, exact=True)).to_be_enabled()


def fill_sign_up(page: Page, *, name: str, email: str, password: str) -> None:
    """Fill in and send the sign-up form; the page then says "Check your email"."""
    page.goto("/signup")
    wait_until_ready(page, "Create account")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("checkbox", name="I am 18 or older").check()
    page.get_by_role("checkbox", name="I accept the privacy policy").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email", level=1)).to_be_visible()


def sign_up(
    page: Page, *, name: str = "Browser Person", email: str | None = None, password: str = PASSWORD
) -> str:
    """Create an account as a person does: the form, then the emailed link and the password.

    The page ends signed in, on the chat.
    """
    email = email or unique_email()
    fill_sign_up(page, name=name, email=email, password=password)
    message = wait_for_email(app_server_of_session(), emails.VERIFY_EMAIL, email.lower())
    page.goto(f"/verify-email?token={token_in(message, '/verify-email')}")
    wait_until_ready(page, "Confirm email address")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Confirm email address").click()
    expect(page).to_have_url(at("/"))
    expect(page.get_by_role("button", name="Account", exact=True)).to_be_visible()
    return email


def sign_in(page: Page, email: str, password: str = PASSWORD, *, path: str = "/login") -> None:
    page.goto(path)
    wait_until_ready(page, "Sign in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def open_account_menu(page: Page) -> None:
    """Open the "Account" menu (a click before hydration is retried)."""
    item = page.get_by_role("menuitem", name="Sign out")
    for _ in range(5):
        page.get_by_role("button", name="Account", exact=True).click()
        try:
            expect(item).to_be_visible(timeout=2_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
    expect(item).to_be_visible()


def sign_out(page: Page) -> None:
    open_account_menu(page)
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(at("/login"))


def wait_until(condition, timeout: float = 10.0, interval: float = 0.1) -> None:
    """Wait for something outside the page (e.g. the fake provider) to become true."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)
