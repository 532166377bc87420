"""The composer never loses typed text (issue 18, target 7).

A person keeps typing while a message is sent, while the page moves from `/`
to `/chat/<id>` after a first message, while the reply streams and when a
queued message goes out. Typing goes through the keyboard to whatever has
focus, as a person's does: a box that is replaced or loses focus mid-typing
loses characters, and these tests see it.

The move to `/chat/<id>` waits for that page's code. The tests hold that
code back (the browser's route for it) to put the move where they want it:
mid-typing, or between typing a message and pressing Enter.
"""

import itertools
import re

from playwright.sync_api import Page, Route, expect

from tests.browser.chat_steps import CHAT_URL, messages, send, wait_for_reply_end
from tests.browser.helpers import sign_up

CHAT_PAGE_CODE = re.compile(r"/_chat_\.__conversation_\._index-[^/]*\.js$")


def _box(page: Page):
    return page.get_by_role("textbox", name="Message")


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


class HeldCode:
    """Holds back the browser's requests for the `/chat/<id>` page's code until released."""

    def __init__(self, page: Page):
        self.page = page
        self.held: list[Route] = []
        self.released = False
        page.route(CHAT_PAGE_CODE, self._hold)

    def _hold(self, route: Route) -> None:
        if self.released:
            route.continue_()
        else:
            self.held.append(route)

    def release(self) -> None:
        self.released = True
        for route in self.held:
            route.continue_()
        self.held.clear()


def test_typing_through_the_first_send_and_the_move_to_its_address_loses_nothing(page):
    sign_up(page)
    code = HeldCode(page)
    first = "[[slow]] [[tokens:24]] first question"
    _box(page).fill(first)
    _box(page).press("Enter")
    typist = Typist(page, "a")
    # While the server takes the message: its "clear the box" arrives mid-typing.
    typist.until(lambda: messages(page, "user").count() == 1)
    typist.words(3)
    # The move to /chat/<id> happens mid-typing.
    page.wait_for_timeout(300)
    code.release()
    typist.until(lambda: CHAT_URL.search(page.url) is not None)
    typist.words(5)
    # While the reply streams on the new page.
    expect(messages(page, "assistant")).to_contain_text("word3")
    typist.words(4)
    wait_for_reply_end(page, timeout=30_000)
    typist.words(2)
    expect(_box(page)).to_have_value(typist.typed)
    expect(_box(page)).to_be_focused()
    expect(messages(page, "user")).to_have_count(1)
    expect(messages(page, "user")).to_contain_text(first)
    expect(messages(page, "user")).not_to_contain_text("a1 ")


def test_a_message_typed_before_the_move_to_its_address_is_kept_and_sent(page):
    """A short first reply can end before the page has moved: a quick next message is kept.

    This is how the versions test once lost its second message in CI.
    """
    sign_up(page)
    code = HeldCode(page)
    send(page, "first question")
    expect(messages(page, "assistant")).to_have_attribute("data-status", "complete")
    assert CHAT_URL.search(page.url) is None  # still on `/`: the move waits for the code
    _box(page).fill("second question")
    code.release()
    expect(page).to_have_url(CHAT_URL)
    expect(_box(page)).to_have_value("second question")
    _box(page).press("Enter")
    expect(messages(page, "user")).to_have_count(2)
    expect(messages(page, "user").last).to_contain_text("second question")
    wait_for_reply_end(page)
    expect(messages(page, "assistant").last).to_contain_text("Echo: second question")
    expect(_box(page)).to_have_value("")


def test_a_queued_draft_is_sent_and_what_is_typed_after_it_stays(page):
    sign_up(page)
    send(page, "[[slow]] [[tokens:24]] tell me a story")
    expect(page).to_have_url(CHAT_URL)
    expect(messages(page, "assistant")).to_contain_text("word2")
    _box(page).focus()
    queued = Typist(page, "q")
    queued.words(4)
    page.keyboard.press("Enter")  # queued: the reply is still being written
    after = Typist(page, "b")
    after.until(lambda: page.get_by_role("status").filter(has_text="Queued").count() == 1)
    after.words(3)
    expect(_box(page)).to_have_value(after.typed)
    # The reply ends and the queued text goes out on its own, while typing goes on.
    after.until(lambda: messages(page, "user").count() == 2, limit=2_000)
    after.words(3)
    expect(messages(page, "user").last).to_contain_text(queued.typed.strip())
    wait_for_reply_end(page, timeout=30_000)
    expect(messages(page, "assistant").last).to_contain_text("Echo: " + queued.typed.strip())
    after.words(2)
    expect(_box(page)).to_have_value(after.typed)
    expect(page.get_by_role("status").filter(has_text="Queued")).to_have_count(0)
