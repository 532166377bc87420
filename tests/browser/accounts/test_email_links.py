"""Forgot / reset password and email verification, through the emailed links."""

from playwright.sync_api import expect

from nomask_app.services.operations import emails
from tests.browser.helpers import at, sign_in, sign_up, unique_email, wait_until_ready
from tests.browser.outbox import (
    age_links,
    emails_to,
    expire_links,
    unconfirm_address,
    wait_for_email,
)
from tests.factories import PASSWORD
from tests.mail import token_in

NEW_PASSWORD = "saffron-canyon-ledger-19"
SENT = "If an account uses that address, we have sent it a link"
INVALID = "This link is not valid or has already been used. Request a new one."


def _ask_for_reset(page, email):
    page.goto("/forgot-password")
    wait_until_ready(page, "Send reset link")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("status")).to_contain_text(SENT)


def _set_password(page, password):
    page.get_by_label("New password").fill(password)
    page.get_by_role("button", name="Set new password").click()


def test_password_reset_signs_out_everywhere_and_works_once(
    page, assert_accessible, browser, app_server
):
    email = sign_up(page)
    _ask_for_reset(page, email)
    assert_accessible(page)
    token = token_in(wait_for_email(app_server, emails.PASSWORD_RESET, email), "/reset-password")

    # An unknown address gets exactly the same answer, and no email.
    ghost = unique_email("ghost")
    _ask_for_reset(page, ghost)
    assert emails_to(app_server, ghost) == []

    # This browser is signed in and shows a signed-in page while the reset happens elsewhere.
    page.goto("/settings")
    expect(page.get_by_role("button", name="Sign out everywhere")).to_be_visible()
    reset = browser.new_context(base_url=app_server.url).new_page()
    reset.goto(f"/reset-password?token={token}")
    _set_password(reset, "password123")
    expect(reset.get_by_text("This password is too common.", exact=False)).to_be_visible()
    expect(reset.get_by_label("New password")).to_have_attribute("aria-invalid", "true")
    assert_accessible(reset)
    _set_password(reset, NEW_PASSWORD)
    expect(reset.get_by_role("status")).to_contain_text("every browser was signed out")
    assert_accessible(reset)
    wait_for_email(app_server, emails.PASSWORD_CHANGED, email)
    reset.context.close()

    # The browser that was signed in is signed out; the old password is gone.
    page.goto("/settings")
    expect(page).to_have_url(at("/login", "?ended=1&next=/settings"))
    sign_in(page, email, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    sign_in(page, email, NEW_PASSWORD)
    expect(page).to_have_url(at("/"))

    page.goto(f"/reset-password?token={token}")
    expect(page.get_by_role("alert")).to_have_text(INVALID)
    expect(page.get_by_role("link", name="Request a new link")).to_be_visible()


def test_expired_and_forged_reset_links_are_refused(page, assert_accessible, app_server):
    email = sign_up(page)
    _ask_for_reset(page, email)
    token = token_in(wait_for_email(app_server, emails.PASSWORD_RESET, email), "/reset-password")
    expire_links(app_server, email)
    page.goto(f"/reset-password?token={token}")
    expect(page.get_by_role("alert")).to_have_text("This link has expired. Request a new one.")
    expect(page.get_by_label("New password")).to_have_count(0)
    assert_accessible(page)
    page.goto("/reset-password?token=forged")
    expect(page.get_by_role("alert")).to_have_text(INVALID)
    page.goto("/reset-password")
    expect(page.get_by_role("alert")).to_have_text(INVALID)


def test_not_an_address_is_said_next_to_the_field(page):
    page.goto("/login")
    # The banner renders once the page is hydrated: the link then navigates in-app.
    expect(page.get_by_role("region", name="Cookies on NoMask AI")).to_be_visible()
    page.get_by_role("link", name="Forgot password?").click()
    expect(page).to_have_url(at("/forgot-password"))
    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_text("Enter a valid email address, like name@example.com.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("not an address")


def test_an_older_account_confirms_its_address_and_the_reminder_goes(
    page, assert_accessible, app_server
):
    email = sign_up(page)
    unconfirm_address(app_server, email)  # as accounts made before sign-up links existed
    page.reload()
    reminder = page.get_by_text("Please confirm your email address")
    expect(reminder).to_be_visible()
    page.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_text(f"We sent a new link to {email}.")).to_be_visible()
    sent_before = emails_to(app_server, email).count(emails.VERIFY_EMAIL)
    first = token_in(wait_for_email(app_server, emails.VERIFY_EMAIL, email), "/verify-email")
    page.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_text("We sent you a link less than a minute ago.")).to_be_visible()
    assert emails_to(app_server, email).count(emails.VERIFY_EMAIL) == sent_before
    age_links(app_server, email)
    page.get_by_role("button", name="Send the link again").click()
    expect(page.get_by_text(f"We sent a new link to {email}.")).to_be_visible()
    token = token_in(wait_for_email(app_server, emails.VERIFY_EMAIL, email), "/verify-email")
    assert token != first

    page.goto(f"/verify-email?token={first}")  # replaced by the new link: said at once
    expect(page.get_by_role("alert")).to_have_text(INVALID)

    page.goto(f"/verify-email?token={token}")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm email address").click()
    expect(page.get_by_role("status")).to_have_text("Your email address is confirmed.")
    page.get_by_role("link", name="Continue to NoMask AI").click()
    expect(page).to_have_url(at("/"))
    expect(page.get_by_role("button", name="Account", exact=True)).to_be_visible()
    page.goto("/settings")
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    expect(page.get_by_text("Please confirm your email address")).to_be_hidden()
