"""The page layout: phones without sideways scrolling, the drawer, the "Notices" region."""

import contextlib
import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from sqlmodel import select

from nomask_app.models import ConsentRecord, PolicyRelease, User
from nomask_app.services.privacy.policy import newest_bundled
from tests.browser.chat_steps import conversation_id, send, wait_for_reply_end
from tests.browser.helpers import at, sign_out, sign_up
from tests.browser.privacy.test_privacy_center import AppDatabase

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
COOKIE_BANNER = "Cookies on NoMask AI"
# Set to a folder to keep screenshots of the chat with every notice (light and dark).
SCREENSHOTS = os.environ.get("NOMASK_SCREENSHOT_DIR", "")


_FITS = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def _no_sideways_scroll(page: Page) -> None:
    # After a resize, a chart takes the new width on its next resize-observer frame.
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(_FITS, timeout=3000)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths}"


def _inside_window(page: Page, name: str) -> None:
    box = page.get_by_role("button", name=name, exact=True).bounding_box()
    size = page.viewport_size
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], (name, box, size)
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], (name, box, size)


def _unverified_with_a_policy_pending(app_server, email: str) -> None:
    """As if the address were not confirmed yet and a newer policy were published."""
    policy = newest_bundled()
    with AppDatabase(app_server) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        user.email_verified_at = None
        session.add(user)
        for record in session.exec(
            select(ConsentRecord).where(
                ConsentRecord.user_id == user.id, ConsentRecord.subject == "privacy_policy"
            )
        ):
            record.policy_version = "2025-01-01"
            session.add(record)
        known = select(PolicyRelease).where(PolicyRelease.version == policy.version)
        if session.exec(known).first() is None:
            session.add(
                PolicyRelease(
                    version=policy.version, effective=policy.effective, markdown=policy.markdown
                )
            )
        session.commit()


def _screenshot(page: Page, name: str) -> None:
    if not SCREENSHOTS:
        return
    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(folder / f"{name}-{scheme}.png"))
    page.emulate_media(color_scheme="light")


def test_send_stays_in_the_window_with_every_notice_showing(page, app_server, assert_accessible):
    email = sign_up(page, name="Notice Reader")
    _unverified_with_a_policy_pending(app_server, email)
    page.reload()
    notices = page.get_by_role("region", name="Notices")
    policy = notices.get_by_role("status").filter(has_text="We updated our privacy policy")
    confirm = notices.get_by_role("status").filter(has_text="Please confirm your email address")
    expect(policy).to_be_visible()
    expect(confirm).to_be_visible()
    # An empty message is refused: the error joins the other notices.
    page.get_by_role("button", name="Send", exact=True).click()
    error = notices.get_by_role("alert")
    expect(error).to_have_text("Type a message first.")
    expect(page.get_by_role("region", name=COOKIE_BANNER)).to_be_visible()

    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        for control in ("Send", "Account", "Attach file"):
            _inside_window(page, control)
        _no_sideways_scroll(page)
        assert_accessible(page)
        _screenshot(page, f"chat-notices-{name}")

    # Each notice goes away by its own button; the policy one records the acknowledgement.
    notices.get_by_role("button", name="Dismiss").click()
    expect(error).to_be_hidden()
    policy.get_by_role("button", name="Got it").click()
    expect(policy).to_be_hidden()
    page.get_by_role("button", name="Essential only").click()
    expect(page.get_by_role("region", name=COOKIE_BANNER)).to_be_hidden()
    page.reload()
    expect(confirm).to_be_visible()
    expect(policy).to_be_hidden()
    # The reminder steps aside for this tab, reloads included, until the next sign-in.
    confirm.get_by_role("button", name="Remind me later").click()
    expect(confirm).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", name="New chat", level=1)).to_be_visible()
    expect(confirm).to_be_hidden()


def _focused_name(page: Page) -> str:
    return page.evaluate(
        "() => document.activeElement.getAttribute('aria-label') || "
        "document.activeElement.textContent.trim()"
    )


def _inside_dialog(page: Page) -> bool:
    return page.evaluate("() => !!document.activeElement.closest('[role=dialog]')")


def test_the_phone_drawer_opens_and_closes_by_keyboard_and_by_choice(page, assert_accessible):
    sign_up(page, name="Drawer Person")
    page.get_by_role("button", name="Essential only").click()
    send(page, "A conversation to find again")
    chat_id = conversation_id(page)
    wait_for_reply_end(page)
    page.goto("/")
    expect(page.get_by_role("heading", name="New chat", level=1)).to_be_visible()

    # On a desktop the sidebar shows and the drawer button does not.
    expect(page.get_by_role("navigation", name="Conversations")).to_be_visible()
    expect(page.get_by_role("button", name="Conversations")).to_be_hidden()

    page.set_viewport_size(PHONE)
    opener = page.get_by_role("button", name="Conversations")
    expect(page.get_by_role("navigation", name="Conversations")).to_be_hidden()
    expect(opener).to_be_visible()
    page.locator("body").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if _focused_name(page) == "Conversations":
            break
    assert _focused_name(page) == "Conversations"
    page.keyboard.press("Enter")
    drawer = page.get_by_role("dialog", name="Conversations")
    expect(drawer).to_be_visible()
    assert _inside_dialog(page)
    # Focus stays inside while it is open.
    for _ in range(8):
        page.keyboard.press("Tab")
        assert _inside_dialog(page)
    assert_accessible(page, within="[role=dialog]")
    _screenshot(page, "chat-drawer-phone")
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(opener).to_be_focused()

    # A tap outside closes it.
    opener.click()
    expect(drawer).to_be_visible()
    page.mouse.click(PHONE["width"] - 10, PHONE["height"] // 2)
    expect(drawer).to_be_hidden()

    # Choosing a conversation opens it and closes the drawer.
    opener.click()
    drawer.get_by_role("link", name=re.compile("A conversation to find")).click()
    expect(page).to_have_url(at(f"/chat/{chat_id}"))
    expect(drawer).to_be_hidden()
    # So does "New chat".
    opener.click()
    drawer.get_by_role("button", name="New chat").click()
    expect(page).to_have_url(at("/"))
    expect(drawer).to_be_hidden()


SIGNED_IN_PAGES = ("/", "/images", "/settings", "/settings/cookies", "/billing", "/privacy")
PUBLIC_PAGES = ("/login", "/signup", "/policy", "/forgot-password")


def _check_page(page: Page, path: str, assert_accessible) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    for width in (360, 390):
        page.set_viewport_size({"width": width, "height": 800})
        _no_sideways_scroll(page)
    page.set_viewport_size(PHONE)
    assert_accessible(page)


def test_no_page_scrolls_sideways_on_a_phone(page, app_server, assert_accessible):
    email = sign_up(page, name="A person with a rather long name for a narrow phone screen")
    page.get_by_role("button", name="Essential only").click()
    send(page, "Averyveryveryverylongwordwithoutanyspacesthatmustwrapinsteadofwideningthepage")
    chat_id = conversation_id(page)
    wait_for_reply_end(page)
    for path in (*SIGNED_IN_PAGES, f"/chat/{chat_id}"):
        _check_page(page, path, assert_accessible)
    # The narrowest phone: the header and the composer still fit.
    page.set_viewport_size({"width": 360, "height": 740})
    for control in ("Send", "Account", "Conversations", "Attach file"):
        _inside_window(page, control)
    with AppDatabase(app_server) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        user.role = "admin"
        session.add(user)
        session.commit()
    page.set_viewport_size(DESKTOP)
    _check_page(page, "/admin", assert_accessible)
    expect(page.get_by_role("heading", name="Admin console", level=1)).to_be_visible()
    page.set_viewport_size(DESKTOP)
    sign_out(page)
    for path in PUBLIC_PAGES:
        _check_page(page, path, assert_accessible)
