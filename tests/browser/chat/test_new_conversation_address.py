"""A first message sent from `/`: the address becomes `/chat/<id>`, the page stays.

Only the address changes (components/chat/address.js), so the router still
says `/`: what follows (the next message, the sidebar's current entry, a
reconnect, "New chat") must still treat the page as that conversation's.
"""

import re

from playwright.sync_api import Page, expect

from tests.browser.chat_steps import (
    CHAT_URL,
    conversation_id,
    message_box,
    messages,
    send,
    wait_for_reply_end,
)
from tests.browser.helpers import sign_up

# What the browser does around the back-forward cache: the page's socket is
# closed on `pagehide` and opened again when the page shows (Reflex's state.js).
RECONNECT = """() => {
  window.dispatchEvent(new PageTransitionEvent("pagehide", { persisted: true }));
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def _hydrated(frame) -> bool:
    return '"is_hydrated_rx_state_":true' in str(frame)


def _current(page: Page):
    nav = page.get_by_role("navigation", name="Conversations")
    return nav.locator('[aria-current="page"]')


def test_a_quick_second_message_goes_on_in_the_new_conversation(page):
    """Sent as soon as the first reply ends: same conversation, marked current, no page load."""
    sign_up(page)
    sent = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    send(page, "first question")
    expect(messages(page, "assistant")).to_have_attribute("data-status", "complete")
    message_box(page).fill("second question")
    message_box(page).press("Enter")
    expect(messages(page, "user")).to_have_count(2)
    expect(messages(page, "user").last).to_contain_text("second question")
    wait_for_reply_end(page)
    expect(messages(page, "assistant").last).to_contain_text("Echo: second question")
    expect(message_box(page)).to_have_value("")
    started = conversation_id(page)
    expect(_current(page)).to_have_attribute("href", f"/chat/{started}")
    expect(_current(page)).to_have_count(1)
    assert not [frame for frame in sent if "on_load_internal" in str(frame)]

    # The address is the conversation's: a reload shows it, both exchanges.
    page.reload()
    expect(messages(page, "user")).to_have_count(2)
    expect(messages(page, "user").first).to_contain_text("first question")
    expect(_current(page)).to_have_attribute("href", f"/chat/{started}")


def test_new_chat_after_a_first_message_opens_an_empty_chat(page):
    sign_up(page)
    send(page, "first question")
    started = conversation_id(page)
    wait_for_reply_end(page)
    page.get_by_role("button", name="New chat").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(messages(page)).to_have_count(0)
    expect(_current(page)).to_have_count(0)
    # It stays there (nothing moves it back to the conversation), and starts another.
    page.wait_for_timeout(500)
    expect(page).to_have_url(re.compile(r"/$"))
    send(page, "another question")
    expect(page).to_have_url(CHAT_URL)
    assert conversation_id(page) != started
    wait_for_reply_end(page)
    expect(messages(page, "user")).to_have_count(1)
    nav = page.get_by_role("navigation", name="Conversations")
    expect(nav.get_by_role("link")).to_have_count(2)


def test_a_reconnect_after_the_address_changed_keeps_the_conversation(page):
    """The reconnected page asks for the router's `/`; it ends up showing the address's chat."""
    sign_up(page)
    send(page, "first question")
    started = conversation_id(page)
    wait_for_reply_end(page)
    with page.expect_websocket() as opened:  # the page's socket connects again
        page.evaluate(RECONNECT)
    # The reconnected page's load has run (for `/`: an empty chat) ...
    opened.value.wait_for_event("framereceived", predicate=_hydrated)
    # ... and the page then opens the conversation that the address names.
    expect(messages(page, "user")).to_have_count(1)
    expect(page).to_have_url(CHAT_URL)
    assert conversation_id(page) == started
    expect(_current(page)).to_have_attribute("href", f"/chat/{started}")
    send(page, "after the reconnect")
    expect(messages(page, "user")).to_have_count(2)
    wait_for_reply_end(page)
    page.reload()
    expect(messages(page, "user")).to_have_count(2)
    expect(messages(page, "user").last).to_contain_text("after the reconnect")
