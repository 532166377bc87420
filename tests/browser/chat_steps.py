"""Chat steps shared by browser tests, by accessible names only."""

import re

from playwright.sync_api import Locator, Page, expect

CHAT_URL = re.compile(r"/chat/([0-9a-f]{32})/?$")
# No move between pages under way (a sidebar entry, "New chat").
SETTLED = """() => {
  const router = window.__reactRouterDataRouter;
  return !router || router.state.navigation.state === "idle";
}"""
ENDED = re.compile(r"^(complete|stopped|failed)$")


def messages(page: Page, role: str | None = None) -> Locator:
    selector = '[data-testid="message"]' + (f'[data-role="{role}"]' if role else "")
    return page.locator(selector)


def message_box(page: Page) -> Locator:
    return page.get_by_role("textbox", name="Message")


PHONE_MAX_WIDTH = 767  # up to this width, Enter starts a new line and "Send" sends


def send(page: Page, text: str) -> None:
    """Write `text` and send it as the person would: Enter on a desktop, "Send" on a phone."""
    box = message_box(page)
    page.wait_for_function(SETTLED)
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

    A first message sent from `/` changes the address; the page stays.
    """
    expect(page).to_have_url(CHAT_URL)
    return CHAT_URL.search(page.url).group(1)
