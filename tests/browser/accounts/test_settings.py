"""The settings page: each form by its name, bad input, sessions, theme."""

import re

from playwright.sync_api import expect

from nomask_app.services.operations import emails
from tests.browser.helpers import at, sign_in, sign_up, unique_email
from tests.browser.outbox import emails_to, unsubscribe_path, wait_for_email
from tests.factories import PASSWORD
from tests.mail import body, token_in

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
NEW_PASSWORD = "granite-willow-parade-64"
FORMS = ("Profile", "Email address", "Password", "Preferences", "Email from us")


def _form(page, name):
    return page.get_by_role("group", name=name, exact=True)


def _open_settings(page):
    page.goto("/settings")
    expect(_form(page, "Profile").get_by_label("Name")).to_be_visible()


def _second_browser(browser, app_server, **options):
    context = browser.new_context(base_url=app_server.url, **options)
    context.set_default_timeout(15_000)
    return context.new_page()


def test_every_form_has_a_name_and_its_own_save_button(page, assert_accessible, app_server):
    email = sign_up(page, name="Form Finder")
    _open_settings(page)
    for name in FORMS:
        expect(_form(page, name).get_by_role("button", name="Save")).to_have_count(1)
    expect(page.get_by_role("button", name="Save")).to_have_count(len(FORMS))
    # The contract's names each find exactly one field on the page.
    for label in ("Name", "Email", "Current password", "New password"):
        expect(page.get_by_label(label)).to_have_count(1)
    expect(_form(page, "Profile").get_by_label("Name")).to_have_value("Form Finder")
    expect(_form(page, "Email address").get_by_label("Email")).to_have_value(email)
    expect(page.get_by_role("switch", name="Product updates and tips")).not_to_be_checked()
    expect(page.get_by_role("button", name="Sign out everywhere")).to_be_visible()
    # The sign-up link confirmed the address: no reminder.
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    expect(page.get_by_text("Please confirm your email address")).to_have_count(0)
    assert_accessible(page)
    # Signing up from this browser is not a "new device".
    assert emails.NEW_SIGN_IN not in emails_to(app_server, email)


def test_name_change_and_its_error(page, assert_accessible):
    sign_up(page, name="Before Rename")
    _open_settings(page)
    profile = _form(page, "Profile")
    profile.get_by_label("Name").fill("   ")
    profile.get_by_role("button", name="Save").click()
    expect(profile.get_by_text("Enter your name.")).to_be_visible()
    expect(profile.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    # Too long: said, not cut off silently, and the text stays for fixing.
    profile.get_by_label("Name").fill("y" * 120)
    profile.get_by_role("button", name="Save").click()
    expect(profile.get_by_text("Use at most 100 characters (this has 120).")).to_be_visible()
    expect(profile.get_by_label("Name")).to_have_value("y" * 120)
    profile.get_by_label("Name").fill("After Rename")
    profile.get_by_role("button", name="Save").click()
    expect(profile.get_by_role("status")).to_have_text("Your name is saved.")
    page.reload()
    expect(_form(page, "Profile").get_by_label("Name")).to_have_value("After Rename")


def test_password_change_refuses_bad_input_then_signs_out_other_browsers(
    page, assert_accessible, browser, app_server
):
    email = sign_up(page)
    other = _second_browser(browser, app_server)
    sign_in(other, email)
    expect(other).to_have_url(at("/"))

    _open_settings(page)
    form = _form(page, "Password")
    form.get_by_label("Current password").fill("not-my-password")
    form.get_by_label("New password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_text("Your current password is not correct.")).to_be_visible()
    expect(form.get_by_label("Current password")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    form.get_by_label("Current password").fill(PASSWORD)
    form.get_by_label("New password").fill("password123")
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_text("This password is too common.", exact=False)).to_be_visible()
    expect(form.get_by_text("Your current password is not correct.")).to_be_hidden()

    form.get_by_label("New password").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Save").click()
    status = _form(page, "Password").get_by_role("status")
    expect(status).to_have_text("Your password is changed. 1 other session signed out.")
    expect(_form(page, "Password").get_by_label("New password")).to_have_value("")
    wait_for_email(app_server, emails.PASSWORD_CHANGED, email)

    other.reload()
    expect(other).to_have_url(at("/login"))
    other.context.close()
    # This browser stays signed in.
    page.reload()
    expect(_form(page, "Profile")).to_be_visible()


def test_email_change_needs_the_link_and_refuses_bad_input(page, assert_accessible, app_server):
    email = sign_up(page)
    _open_settings(page)
    form = _form(page, "Email address")

    form.get_by_label("Email").fill(email)  # own address
    form.get_by_label("Your password").fill(PASSWORD)
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_text("This is already your email address.")).to_be_visible()

    new_email = unique_email("moved")
    form.get_by_label("Email").fill(new_email)
    form.get_by_label("Your password").fill("wrong-password")
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_text("Your current password is not correct.")).to_be_visible()
    expect(form.get_by_label("Email")).to_have_value(new_email)  # nothing typed is lost
    assert_accessible(page)

    form.get_by_label("Your password").fill(PASSWORD)
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("status")).to_contain_text(f"We sent a link to {new_email}.")
    expect(form.get_by_text("Waiting for confirmation:")).to_be_visible()
    wait_for_email(app_server, emails.EMAIL_CHANGE_REQUESTED, email)
    link = token_in(
        wait_for_email(app_server, emails.CONFIRM_NEW_EMAIL, new_email), "/verify-email"
    )
    page.reload()
    expect(_form(page, "Email address").get_by_text(email, exact=True)).to_be_visible()

    page.goto(f"/verify-email?token={link}")
    page.get_by_role("button", name="Confirm email address").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your email address is changed. Use the new address to sign in."
    )
    assert_accessible(page)
    wait_for_email(app_server, emails.EMAIL_CHANGED, email)
    _open_settings(page)
    expect(_form(page, "Email address").get_by_label("Email")).to_have_value(new_email)

    # The same link again, and a forged one.
    for token in (link, "forged-token"):
        page.goto(f"/verify-email?token={token}")  # said at once, without a button
        expect(page.get_by_role("button", name="Confirm email address")).to_have_count(0)
        expect(page.get_by_role("alert")).to_have_text(
            "This link is not valid or has already been used. Request a new one."
        )
    assert_accessible(page)


def test_an_address_in_use_is_not_revealed_and_its_owner_is_told(page, browser, app_server):
    someone = _second_browser(browser, app_server)
    taken = sign_up(someone, name="Address Owner")
    someone.context.close()
    email = sign_up(page)
    _open_settings(page)
    form = _form(page, "Email address")
    form.get_by_label("Email").fill(taken.upper())
    form.get_by_label("Your password").fill(PASSWORD)
    form.get_by_role("button", name="Save").click()
    # The same answer as for a free address.
    expect(form.get_by_role("status")).to_contain_text(f"We sent a link to {taken}.")
    wait_for_email(app_server, emails.ADDRESS_CLAIMED, taken)
    assert emails.CONFIRM_NEW_EMAIL not in emails_to(app_server, taken)
    _open_settings(page)
    expect(_form(page, "Email address").get_by_label("Email")).to_have_value(email)


def test_sessions_list_revoke_one_and_sign_out_everywhere(
    page, assert_accessible, browser, app_server
):
    email = sign_up(page)
    firefox = _second_browser(browser, app_server, user_agent=FIREFOX)
    sign_in(firefox, email)
    expect(firefox).to_have_url(at("/"))
    alert = wait_for_email(app_server, emails.NEW_SIGN_IN, email)
    assert "Firefox 128.0 on Windows" in body(alert)

    _open_settings(page)
    table = page.get_by_role("table", name="Active sessions")
    expect(table.get_by_role("row")).to_have_count(3)  # header + two sessions
    current = table.get_by_role("row").filter(has_text="This browser")
    expect(current).to_have_count(1)
    expect(current.get_by_role("button")).to_have_count(0)
    other = table.get_by_role("row").filter(has_text="Firefox 128.0 on Windows")
    expect(other).to_have_count(1)
    assert_accessible(page)

    other.get_by_role("button", name=re.compile(r"^Sign out Firefox 128\.0 on Windows")).click()
    expect(page.get_by_text("That session is signed out.")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(2)
    # The signed-out browser's next action lands on the sign-in page, which says why
    # (not a blank page with a spinner).
    firefox.get_by_role("button", name="New chat").click()
    expect(firefox).to_have_url(at("/login", "?ended=1"))
    expect(firefox.get_by_text("Your session was ended")).to_be_visible()

    sign_in(firefox, email)
    expect(firefox).to_have_url(at("/"))
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page).to_have_url(at("/login"))
    firefox.reload()
    expect(firefox).to_have_url(at("/login"))
    firefox.context.close()


def test_theme_is_stored_on_the_account_without_browser_storage(page):
    sign_up(page)
    _open_settings(page)
    page.get_by_role("radio", name="Dark").check()
    _form(page, "Preferences").get_by_role("button", name="Save").click()
    expect(_form(page, "Preferences").get_by_role("status")).to_have_text(
        "Your preferences are saved."
    )
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    # No consent to preference cookies was given: the server applies it on every load.
    assert page.evaluate("Object.keys(localStorage)") == []
    page.goto("/privacy")
    expect(page.get_by_role("heading", name="Privacy center")).to_be_visible()
    expect(page.locator("html")).to_have_class(re.compile(r"\bdark\b"))
    _open_settings(page)
    expect(page.get_by_role("radio", name="Dark")).to_be_checked()


def test_product_updates_switch_and_one_click_unsubscribe(
    page, assert_accessible, browser, app_server
):
    email = sign_up(page)
    _open_settings(page)
    switch = page.get_by_role("switch", name="Product updates and tips")
    switch.click()
    _form(page, "Email from us").get_by_role("button", name="Save").click()
    expect(_form(page, "Email from us").get_by_role("status")).to_have_text(
        "Product updates and tips are on."
    )
    page.reload()
    expect(page.get_by_role("switch", name="Product updates and tips")).to_be_checked()

    # The link in a product email works in a browser that is not signed in.
    stranger = _second_browser(browser, app_server)
    stranger.goto(unsubscribe_path(app_server, email))
    expect(
        stranger.get_by_role("heading", name="Unsubscribe from product updates?", level=1)
    ).to_be_visible()
    assert_accessible(stranger)
    page.reload()  # opening the link alone changed nothing
    expect(page.get_by_role("switch", name="Product updates and tips")).to_be_checked()
    stranger.get_by_role("button", name="Unsubscribe").click()
    expect(stranger.get_by_role("heading", name="You are unsubscribed", level=1)).to_be_visible()
    assert_accessible(stranger)
    stranger.context.close()
    page.reload()
    expect(page.get_by_role("switch", name="Product updates and tips")).not_to_be_checked()
