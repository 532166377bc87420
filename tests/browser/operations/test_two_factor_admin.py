"""Two-factor sign-in, its rate limit, the admin console, and a server log without secrets."""

import re
import time

import pyotp
from playwright.sync_api import expect
from sqlmodel import Session, select

from nomask_app.db import build_engine
from nomask_app.models import Conversation, SecurityEvent, User
from nomask_app.services.operations import audit, emails
from tests.browser.chat_steps import conversation_id, send, wait_for_reply_end
from tests.browser.helpers import at, sign_in, sign_out, sign_up, wait_until_ready
from tests.browser.outbox import emails_to, wait_for_email
from tests.factories import PASSWORD
from tests.mail import token_in


def _db(app_server):
    return build_engine(app_server.env["NOMASK_DATABASE_URL"])


def _enrol(page) -> tuple[str, list[str]]:
    page.goto("/settings")
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = page.locator("code").first.inner_text().strip()
    page.get_by_label("Authentication code").fill("000000")
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_text("That code is not correct.", exact=False)).to_be_visible()
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    return secret, [text.strip() for text in codes.all_inner_texts()]


def test_two_factor_enrol_sign_in_with_a_code_and_a_recovery_code(
    page, assert_accessible, app_server
):
    email = sign_up(page)
    secret, codes = _enrol(page)
    expect(page.get_by_role("status").filter(has_text="Two-factor")).to_contain_text(
        "Two-factor sign-in is on."
    )
    assert_accessible(page)
    wait_for_email(app_server, emails.TWO_FACTOR_ON, email)
    page.get_by_role("button", name="Hide the codes").click()
    expect(page.get_by_role("list", name="Recovery codes")).to_have_count(0)

    sign_out(page)
    sign_in(page, email)
    expect(page.get_by_role("heading", name="Two-factor sign-in", level=1)).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Authentication code").fill("123456")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That code is not correct. Try the current code from your app."
    )
    expect(page).to_have_url(at("/login"))
    # A code of the next time step (the current one was spent on enrolment).
    page.get_by_label("Authentication code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(at("/"))

    sign_out(page)
    sign_in(page, email)
    page.get_by_label("Authentication code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(at("/"))
    page.goto("/settings")
    expect(page.get_by_text("Recovery codes left: 9.", exact=False)).to_be_visible()

    page.get_by_label("Password to turn it off").fill("not-the-password")
    page.get_by_role("button", name="Turn off two-factor sign-in").click()
    expect(page.get_by_text("Your password is not correct.")).to_be_visible()
    page.get_by_label("Password to turn it off").fill(PASSWORD)
    page.get_by_role("button", name="Turn off two-factor sign-in").click()
    expect(page.get_by_role("status").filter(has_text="Two-factor")).to_contain_text(
        "Two-factor sign-in is off."
    )
    wait_for_email(app_server, emails.TWO_FACTOR_OFF, email)


def test_two_factor_codes_are_rate_limited_and_the_wait_is_shown(page, browser, app_server):
    email = sign_up(page)
    _enrol(page)
    sign_out(page)
    sign_in(page, email)
    box = page.get_by_label("Authentication code")
    verify = page.get_by_role("button", name="Verify")
    for _ in range(7):  # events of one tab are handled in order
        box.fill("111111")
        verify.click()
        expect(verify).to_be_enabled()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(r"^Too many attempts\. Try again in \d+ minutes?\.$")
    )
    # The right code is refused too while the wait runs: nothing is checked.
    expect(page).to_have_url(at("/login"))


def _make_admin(app_server, email):
    engine = _db(app_server)
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        user.role = "admin"
        session.add(user)
        session.commit()
    engine.dispose()


def _expect_not_found(page, path):
    """The page answers 404 to the browser itself, not only on screen."""
    assert page.goto(path).status == 404
    expect(page.get_by_role("heading", name="404: Page not found")).to_be_visible()
    # Chromium logs every 404 document as a console error: this one is expected.
    expected = "console error: Failed to load resource: the server responded with a status of 404"
    page.problems[:] = [problem for problem in page.problems if not problem.startswith(expected)]


def test_admin_console_is_not_found_for_others_and_records_every_look(
    page, browser, app_server, assert_accessible
):
    # Someone with a conversation.
    person_email = sign_up(page, name="Person Watched")
    send(page, "my private diary entry")
    wait_for_reply_end(page)
    conversation = conversation_id(page)
    _expect_not_found(page, "/admin")
    expect(page.get_by_text("Admin console")).to_have_count(0)
    page.goto("/")
    sign_out(page)
    _expect_not_found(page, "/admin")

    admin_email = sign_up(page, name="The Admin")
    _make_admin(app_server, admin_email)
    assert page.goto("/admin").status == 200
    expect(page.get_by_role("heading", name="Admin console", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Find an account").fill(person_email)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=f"Open {person_email}").click()
    expect(page.get_by_role("heading", name=person_email)).to_be_visible()
    expect(page.get_by_text("my private diary entry")).to_have_count(0)
    page.get_by_role("button", name="Show conversations").click()
    expect(page.get_by_text("Say why, in at least 10 characters.")).to_be_visible()
    expect(page.get_by_text("my private diary entry")).to_have_count(0)
    page.get_by_label("Reason for access").fill("Support request #17 from this person")
    page.get_by_role("button", name="Show conversations").click()
    expect(page.get_by_role("heading", name="my private diary entry")).to_be_visible()
    expect(page.get_by_text("Echo: my private diary entry")).to_be_visible()
    assert_accessible(page)

    engine = _db(app_server)
    with Session(engine) as session:
        person = session.exec(select(User).where(User.email == person_email)).one()
        kinds = {
            e.kind: e.detail
            for e in session.exec(select(SecurityEvent).where(SecurityEvent.user_id == person.id))
        }
        assert session.get(Conversation, conversation) is not None
    engine.dispose()
    assert audit.ADMIN_VIEWED_ACCOUNT in kinds
    assert "Support request #17 from this person" in kinds[audit.ADMIN_VIEWED_CONVERSATIONS]

    # The admin's own browser may read the metrics too.
    response = page.request.get("/api/metrics")
    assert response.status == 200 and "nomask_active_streams" in response.text()

    # The person reads in their privacy center that an admin looked, and why.
    sign_out(page)
    sign_in(page, person_email)
    expect(page).to_have_url(at("/"))
    page.goto("/privacy")
    events = page.get_by_role("table", name="Your security events")
    looked = events.get_by_role("row", name=re.compile("An administrator read your conversations"))
    expect(looked).to_contain_text("Reason given: “Support request #17 from this person”")


def test_an_admin_pages_through_accounts_and_suspends_one_with_a_reason(
    page, browser, app_server, assert_accessible
):
    person_email = sign_up(page, name="Person Suspended")
    sign_out(page)
    admin_email = sign_up(page, name="The Suspending Admin")
    _make_admin(app_server, admin_email)
    page.goto("/admin")
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    pages = page.get_by_role("navigation", name="Account pages")
    expect(pages.get_by_role("button", name="Previous page")).to_be_disabled()
    expect(pages.get_by_role("status")).to_contain_text("Accounts 1–")

    page.get_by_label("Find an account").fill(person_email)
    page.get_by_role("button", name="Search").click()
    expect(pages.get_by_role("button", name="Next page")).to_be_disabled()
    page.get_by_role("button", name=f"Open {person_email}").click()
    page.get_by_role("button", name="Suspend", exact=True).click()
    dialog = page.get_by_role("dialog", name="Suspend this account?")
    dialog.get_by_role("button", name="Suspend account").click()
    expect(dialog.get_by_text("Say why, in at least 10 characters.")).to_be_visible()
    assert_accessible(page, within="[role=dialog]")
    dialog.get_by_label("Reason").fill("Spam reports from three people")
    dialog.get_by_role("button", name="Suspend account").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_text("The account is suspended and its owner was emailed")).to_be_visible()
    expect(page.get_by_text("Spam reports from three people")).to_be_visible()

    # The owner cannot sign in, and is told why.
    other = browser.new_context(base_url=app_server.url)
    person_page = other.new_page()
    sign_in(person_page, person_email)
    expect(person_page.get_by_role("alert")).to_contain_text("This account is suspended")
    expect(person_page).to_have_url(at("/login"))

    page.get_by_role("button", name="Unsuspend", exact=True).click()
    lift = page.get_by_role("dialog", name="Lift the suspension?")
    lift.get_by_label("Reason").fill("The reports were mistaken")
    lift.get_by_role("button", name="Lift suspension").click()
    expect(page.get_by_text("The suspension is lifted and the owner was emailed.")).to_be_visible()
    sign_in(person_page, person_email)
    expect(person_page).to_have_url(at("/"))
    other.close()


def test_the_server_log_holds_no_secret_from_any_flow(page, browser, app_server):
    password = "Browser-Secret-Pass-5521"
    new_password = "Browser-Secret-Pass-7734"
    message = "my bank PIN is SECRET-PIN-99231"
    email = sign_up(page, name="Log Scanner", password=password)
    send(page, message)
    wait_for_reply_end(page)
    sign_out(page)
    sign_in(page, email, "Wrong-" + password)
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    page.goto("/forgot-password")
    wait_until_ready(page, "Send reset link")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send reset link").click()
    token = token_in(wait_for_email(app_server, emails.PASSWORD_RESET, email), "/reset-password")
    page.goto(f"/reset-password?token={token}")
    page.get_by_label("New password").fill(new_password)
    page.get_by_role("button", name="Set new password").click()
    expect(page.get_by_role("status")).to_contain_text("every browser was signed out")
    sign_in(page, email, new_password)
    expect(page).to_have_url(at("/"))
    page.goto("/settings")
    page.get_by_role("group", name="Profile", exact=True).get_by_label("Name").fill("Renamed")
    page.get_by_role("group", name="Profile", exact=True).get_by_role("button", name="Save").click()
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "nomask_session")
    assert emails.PASSWORD_CHANGED in emails_to(app_server, email)

    log = app_server.log_path.read_text(errors="replace")
    assert '"logger": "nomask_app.access"' in log  # the app's JSON log is in there
    for secret in (password, new_password, "SECRET-PIN-99231", token, cookie):
        assert secret not in log
