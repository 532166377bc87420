"""The composer never loses typed text (issue 18, target 7).

A person keeps typing while a message is sent, while the address changes from
`/` to `/chat/<id>` after a first message, while the reply streams and when a
queued message goes out. Typing goes through the keyboard to whatever has
focus, as a person's does: a box that is replaced or loses focus mid-typing
loses characters, and these tests see it.
"""

import itertools

from playwright.sync_api import Page, expect

from tests.browser.chat_steps import CHAT_URL, message_box, messages, send, wait_for_reply_end
from tests.browser.helpers import sign_up


class Typist:
    """Types numbered words at the keyboard and remembers every character typed."""

    def __init__(self, page: Page, prefix: str):
        self.page = page
        self.prefix = prefix
        self.typed = ""
        self._numbers = itertools.count(1)

    def word(self) -> None:
        text = f"{self.prefix}{next(self._numbers)} "
        self.page.keyboard.type(text, delay=5)
        self.typed += text

    def words(self, count: int) -> None:
        for _ in range(count):
            self.word()

    def until(self, condition, limit: int = 400) -> None:
        """Type word after word until `condition()` holds (checked between words)."""
        for _ in range(limit):
            if condition():
                return
            self.word()
        raise AssertionError("kept typing, but the condition never held")


def test_typing_through_the_first_send_and_its_new_address_loses_nothing(page):
    sign_up(page)
    box = message_box(page).element_handle()
    first = "[[slow]] [[tokens:24]] first question"
    message_box(page).fill(first)
    message_box(page).press("Enter")
    typist = Typist(page, "a")
    # While the server takes the message: its "clear the box" arrives mid-typing.
    typist.until(lambda: messages(page, "user").count() == 1)
    # The address changes mid-typing; the page, and the box, stay.
    typist.until(lambda: CHAT_URL.search(page.url) is not None)
    typist.words(5)
    # While the reply streams.
    expect(messages(page, "assistant")).to_contain_text("word3")
    typist.words(4)
    wait_for_reply_end(page, timeout=30_000)
    typist.words(2)
    expect(message_box(page)).to_have_value(typist.typed)
    expect(message_box(page)).to_be_focused()
    assert box.evaluate("(el) => el.isConnected"), "the message box was replaced"
    expect(messages(page, "user")).to_have_count(1)
    expect(messages(page, "user")).to_contain_text(first)
    expect(messages(page, "user")).not_to_contain_text("a1 ")


def test_a_queued_draft_is_sent_and_what_is_typed_after_it_stays(page):
    sign_up(page)
    send(page, "[[slow]] [[tokens:24]] tell me a story")
    expect(page).to_have_url(CHAT_URL)
    expect(messages(page, "assistant")).to_contain_text("word2")
    message_box(page).focus()
    queued = Typist(page, "q")
    queued.words(4)
    page.keyboard.press("Enter")  # queued: the reply is still being written
    after = Typist(page, "b")
    after.until(lambda: page.get_by_role("status").filter(has_text="Queued").count() == 1)
    after.words(3)
    expect(message_box(page)).to_have_value(after.typed)
    # The reply ends and the queued text goes out on its own, while typing goes on.
    after.until(lambda: messages(page, "user").count() == 2, limit=2_000)
    after.words(3)
    expect(messages(page, "user").last).to_contain_text(queued.typed.strip())
    wait_for_reply_end(page, timeout=30_000)
    expect(messages(page, "assistant").last).to_contain_text("Echo: " + queued.typed.strip())
    after.words(2)
    expect(message_box(page)).to_have_value(after.typed)
    expect(page.get_by_role("status").filter(has_text="Queued")).to_have_count(0)
