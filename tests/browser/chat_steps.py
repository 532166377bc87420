"""Chat steps shared by browser tests, by accessible names only."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect

CHAT_URL = re.compile(r"/chat/([0-9a-f]{32})/?$")
# Marks the message box of `/` that sent a first message: the move to
# /chat/<id> replaces the page, and with it this box.
LEFT_BEHIND = "#composer[data-first-send]"
# No move between pages under way: the router is idle, and once the address has
# left `/`, the page of `/` that sent the first message has been replaced.
SETTLED = f"""() => {{
  const router = window.__reactRouterDataRouter;
  if (router && router.state.navigation.state !== "idle") return false;
  return location.pathname === "/" || !document.querySelector("{LEFT_BEHIND}");
}}"""
ENDED = re.compile(r"^(complete|stopped|failed)$")


def messages(page: Page, role: str | None = None) -> Locator:
    selector = '[data-testid="message"]' + (f'[data-role="{role}"]' if role else "")
    return page.locator(selector)


PHONE_MAX_WIDTH = 767  # up to this width, Enter starts a new line and "Send" sends


def send(page: Page, text: str) -> None:
    """Write `text` and send it as the person would: Enter on a desktop, "Send" on a phone."""
    box = page.get_by_role("textbox", name="Message")
    page.wait_for_function(SETTLED)
    if urlsplit(page.url).path == "/":
        box.evaluate("(el) => { el.dataset.firstSend = 'true'; }")
    box.fill(text)
    if page.viewport_size["width"] <= PHONE_MAX_WIDTH:
        page.get_by_role("button", name="Send", exact=True).click()
    else:
        box.press("Enter")


def wait_for_reply_end(page: Page, timeout: float = 20_000) -> None:
    """Wait until the last reply has ended (complete, stopped or failed) on the page."""
    last = messages(page).last
    expect(last).to_have_attribute("data-role", "assistant", timeout=timeout)
    expect(last).to_have_attribute("data-status", ENDED, timeout=timeout)
    expect(page.get_by_role("button", name="Stop")).to_have_count(0, timeout=timeout)


def pick_model(page: Page, label: str) -> None:
    page.get_by_role("combobox", name="Model").click()
    page.get_by_role("option", name=label).click()
    expect(page.get_by_role("combobox", name="Model")).to_have_text(label)


def conversation_id(page: Page) -> str:
    """Wait until the page shows a stored conversation, and return its id.

    The address changes a moment before the `/chat/<id>` page replaces the page
    of `/` (a reply can end in between): what a test does next must reach the
    new page, so this also waits for the first page's message box to be gone.
    """
    expect(page).to_have_url(CHAT_URL)
    expect(page.locator(LEFT_BEHIND)).to_have_count(0)
    return CHAT_URL.search(page.url).group(1)
