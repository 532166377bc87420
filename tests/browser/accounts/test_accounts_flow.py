"""The account journey in the production build, found by accessible names."""

import re

from playwright.sync_api import expect

from nomask_app.services.accounts.sessions import SESSION_COOKIE
from nomask_app.services.operations import emails
from tests.browser.helpers import (
    at,
    fill_sign_up,
    open_account_menu,
    sign_in,
    sign_out,
    sign_up,
    unique_email,
    wait_until_ready,
)
from tests.browser.outbox import wait_for_email
from tests.factories import PASSWORD


def expect_signed_in_as(page, name):
    open_account_menu(page)
    expect(page.get_by_role("menu")).to_contain_text(name)
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_be_hidden()


def test_sign_up_sign_out_sign_in_with_wrong_password_first(page, assert_accessible):
    email = sign_up(page, name="Grace Hopper")
    expect_signed_in_as(page, "Grace Hopper")
    assert_accessible(page)

    # The session cookie exists but scripts cannot read it.
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies[SESSION_COOKIE]["httpOnly"] is True
    assert cookies[SESSION_COOKIE]["sameSite"] == "Lax"
    assert SESSION_COOKIE not in page.evaluate("document.cookie")

    sign_out(page)
    assert SESSION_COOKIE not in {c["name"] for c in page.context.cookies()}

    sign_in(page, email, "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    expect(page.get_by_label("Email")).to_have_value(email)
    expect(page).to_have_url(at("/login"))
    assert_accessible(page)

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(at("/"))
    expect_signed_in_as(page, "Grace Hopper")


def test_pages_behind_sign_in_redirect_and_come_back(page):
    for path in ("/", "/settings", "/privacy"):
        page.goto(path)
        expect(page).to_have_url(at("/login"))
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()

    email = sign_up(page)
    sign_out(page)
    page.goto("/settings")
    expect(page).to_have_url(at("/login", "?next=/settings"))
    wait_until_ready(page, "Sign in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(at("/settings"))
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()


def test_signed_in_pages_are_accessible(page, assert_accessible):
    sign_up(page, name="Access Tester")
    for path, heading in (("/settings", "Settings"), ("/privacy", "Privacy center")):
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert_accessible(page)
    open_account_menu(page)
    for item in ("Settings", "Privacy center", "Billing", "Sign out"):
        expect(page.get_by_role("menuitem", name=item)).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(page.get_by_role("menuitem", name="Settings")).to_be_hidden()
    page.get_by_role("button", name="Account", exact=True).click()
    page.get_by_role("menuitem", name="Privacy center").click()
    expect(page).to_have_url(at("/privacy"))


def test_sign_up_errors_are_shown_next_to_fields_and_nothing_is_lost(page, assert_accessible):
    page.goto("/signup")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Enter your name.")).to_be_visible()
    expect(page.get_by_text("Enter your email address.")).to_be_visible()
    expect(page.get_by_text("Enter a password.")).to_be_visible()
    expect(page.get_by_text("NoMask is only for people who are 18 or older.")).to_be_visible()
    expect(page.get_by_text("Accept the privacy policy to create an account.")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    # A long name is not cut silently by the browser: the limit is stated, and said.
    name = page.get_by_label("Name")
    expect(name).not_to_have_attribute("maxlength", re.compile(".*"))
    expect(page.get_by_text("Up to 100 characters.")).to_be_visible()
    name.fill("x" * 101)
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_label("Password", exact=True).fill("password")
    page.get_by_role("checkbox", name="I am 18 or older").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Enter a valid email address, like name@example.com.")).to_be_visible()
    expect(page.get_by_text("This password is too common.", exact=False)).to_be_visible()
    expect(page.get_by_text("Use at most 100 characters (this has 101).")).to_be_visible()
    expect(name).to_have_value("x" * 101)  # nothing the person typed is lost
    expect(page.get_by_text("NoMask is only for people who are 18 or older.")).to_have_count(0)
    # What the person typed and ticked is still there.
    expect(page.get_by_label("Email")).to_have_value("not-an-email")
    expect(page.get_by_role("checkbox", name="I am 18 or older")).to_be_checked()
    expect(page).to_have_url(at("/signup"))


def test_sign_up_tells_nobody_which_addresses_have_accounts(page, app_server, assert_accessible):
    email = sign_up(page, name="First Owner")
    sign_out(page)
    fresh = unique_email("fresh")
    answers = []
    for address in (email.upper(), fresh):
        fill_sign_up(page, name="Someone Else", email=address, password="another-fine-passphrase")
        answers.append(page.get_by_role("status").inner_text().replace(address, "ADDRESS"))
    assert answers[0] == answers[1]  # the same words for a taken and a free address
    assert "Open it and enter your password" in answers[0]
    assert_accessible(page)
    # The owner hears of it; the account is untouched and nobody was signed in.
    wait_for_email(app_server, emails.ADDRESS_CLAIMED, email)
    assert "nomask_session" not in {c["name"] for c in page.context.cookies()}
    # The new address can not sign in before its link is used.
    sign_in(page, fresh, "another-fine-passphrase")
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    sign_in(page, email)
    expect(page).to_have_url(at("/"))
    expect_signed_in_as(page, "First Owner")


def test_long_non_ascii_password_signs_up_and_in(page):
    password = ("Grüße-пароль-密码-🔐-" * 8)[:100]
    email = sign_up(page, name="Ünïcødé Person", password=password)
    sign_out(page)
    sign_in(page, email, password)
    expect(page).to_have_url(at("/"))
    expect_signed_in_as(page, "Ünïcødé Person")


def test_tampered_or_stale_cookie_means_signed_out(page, app_server):
    sign_up(page)
    cookie = next(c for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    page.context.clear_cookies()
    page.context.add_cookies([{**cookie, "value": cookie["value"][:-2] + "xx"}])
    page.goto("/")
    expect(page).to_have_url(at("/login"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_signed_in_people_skip_the_sign_in_page(page):
    sign_up(page)
    page.goto("/login")
    expect(page).to_have_url(at("/"))


def test_policy_page_shows_version_and_date(page, assert_accessible):
    page.goto("/policy")
    expect(page.get_by_role("heading", name="Privacy Policy", level=1)).to_be_visible()
    expect(page.get_by_text("Last updated: March 14, 2026 · Version 2026-03-14")).to_be_visible()
    expect(page.get_by_role("heading", name="8. Children's Privacy")).to_be_visible()
    assert_accessible(page)


def test_sign_in_page_is_accessible_and_links_to_recovery(page, assert_accessible):
    page.goto("/login")
    expect(page.get_by_role("link", name="Forgot password?")).to_be_visible()
    assert_accessible(page)
    page.goto("/signup")
    assert_accessible(page)


def test_unknown_email_gets_the_same_message(page):
    sign_in(page, unique_email("ghost"), "whatever-password-1")
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
