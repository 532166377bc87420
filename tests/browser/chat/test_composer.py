"""The composer and the conversation's scrolling, at desktop and phone sizes.

The box fits its text and shrinks back after a send; the conversation follows a
reply while the reader is at its bottom and offers "Jump to latest" once they
scroll up; text sent while a reply streams is queued; "Copy" copies a message's
Markdown source; an image model picked in "Model" draws a picture.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chat_steps import message_box, messages, pick_model, send, wait_for_reply_end
from tests.browser.helpers import sign_up as sign_up_with_banner

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LONG_PROMPT = "\n".join(f"Line {n} of a long pasted prompt." for n in range(80))
STREAMING = "[[slow]] [[tokens:200]]"  # 30 s of reply: long enough to act during it


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def sized(request, page):
    page.set_viewport_size(SIZES[request.param])
    page.size_name = request.param
    return page


def sign_up(page: Page) -> None:
    """Sign up and answer the cookie banner, which would cover the bottom of the chat."""
    sign_up_with_banner(page)
    page.get_by_role("button", name="Essential only").click()
    expect(page.get_by_role("region", name="Cookies on NoMask AI")).to_have_count(0)


def _snap(page: Page, name: str) -> None:
    """With NOMASK_SCREENSHOT_DIR set, save the page in light and dark mode (for review)."""
    folder = os.environ.get("NOMASK_SCREENSHOT_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=f"{folder}/{name}-{page.size_name}-{scheme}.png")
    page.emulate_media(color_scheme="light")


def _height(page: Page) -> float:
    return message_box(page).bounding_box()["height"]


def _distance_to_bottom(page: Page) -> float:
    return page.locator("[data-scroll-root]").evaluate(
        "(root) => root.scrollHeight - root.scrollTop - root.clientHeight"
    )


def _queue(page: Page, text: str) -> None:
    """Send `text` while a reply streams (Enter on a desktop, "Send" on a phone)."""
    send(page, text)
    expect(page.get_by_role("status").filter(has_text="Queued")).to_be_visible()


def test_the_box_grows_with_text_and_shrinks_after_sending(sized, assert_accessible):
    sign_up(sized)
    empty = _height(sized)
    message_box(sized).fill(LONG_PROMPT)
    message_box(sized).press("End")  # an input event, as typing or pasting gives
    message_box(sized).type(" ")
    grown = _height(sized)
    assert grown > empty
    assert grown <= SIZES[sized.size_name]["height"] * 0.4 + 1  # capped: the page stays usable
    send(sized, LONG_PROMPT)
    wait_for_reply_end(sized)
    expect(message_box(sized)).to_have_value("")
    assert _height(sized) <= empty + 1
    assert_accessible(sized)


def test_after_a_long_prompt_the_whole_reply_and_its_actions_are_in_view(sized):
    sign_up(sized)
    send(sized, LONG_PROMPT)
    wait_for_reply_end(sized)
    _snap(sized, "chat-long-prompt")
    expect(messages(sized, "assistant")).to_be_in_viewport()
    expect(sized.get_by_role("button", name="Regenerate")).to_be_in_viewport()
    expect(sized.get_by_role("button", name="Jump to latest")).to_have_count(0)


def test_scrolling_up_stops_following_and_jump_to_latest_resumes(sized, assert_accessible):
    sign_up(sized)
    send(sized, LONG_PROMPT)
    wait_for_reply_end(sized)
    send(sized, STREAMING)
    reply = messages(sized, "assistant").last
    expect(reply).to_contain_text("word3")
    sized.locator("[data-scroll-root]").hover()
    sized.mouse.wheel(0, -5000)
    jump = sized.get_by_role("button", name="Jump to latest")
    expect(jump).to_be_visible()
    expect(reply).to_contain_text("word8")  # the reply grows, the reader stays where they are
    assert _distance_to_bottom(sized) > 200
    assert_accessible(sized)
    jump.click()
    expect(jump).to_have_count(0)
    expect(reply).to_contain_text("word12")
    assert _distance_to_bottom(sized) < 48  # following again as it grows
    sized.get_by_role("button", name="Stop").click()
    wait_for_reply_end(sized)
    expect(sized.get_by_role("button", name="Regenerate")).to_be_in_viewport()


def test_a_message_sent_during_a_reply_waits_its_turn(sized, assert_accessible):
    sign_up(sized)
    send(sized, "[[slow]] [[tokens:30]]")
    expect(messages(sized, "assistant")).to_contain_text("word2")
    _queue(sized, "And one more thing")
    expect(message_box(sized)).to_have_value("")
    expect(sized.get_by_role("button", name="Cancel queued message")).to_be_visible()
    expect(sized.get_by_text("Wait for the reply to finish")).to_have_count(0)
    assert_accessible(sized)
    _snap(sized, "chat-queued")
    # The reply ends, then the queued message is sent on its own.
    expect(messages(sized, "user")).to_have_count(2, timeout=20_000)
    expect(messages(sized, "user").last).to_have_text(re.compile("And one more thing"))
    expect(messages(sized, "assistant").last).to_contain_text("Echo: And one more thing")
    wait_for_reply_end(sized)
    expect(sized.get_by_role("status").filter(has_text="Queued")).to_have_count(0)
    expect(messages(sized, "assistant").first).to_have_attribute("data-status", "complete")


def test_cancelling_a_queued_message_gives_its_text_back(sized):
    sign_up(sized)
    send(sized, STREAMING)
    expect(messages(sized, "assistant")).to_contain_text("word2")
    _queue(sized, "Keep this question")
    message_box(sized).fill("and this draft")
    sized.get_by_role("button", name="Cancel queued message").click()
    expect(message_box(sized)).to_have_value("Keep this question\n\nand this draft")
    expect(sized.get_by_role("status").filter(has_text="Queued")).to_have_count(0)
    sized.get_by_role("button", name="Stop").click()
    wait_for_reply_end(sized)
    expect(messages(sized, "user")).to_have_count(1)
    expect(message_box(sized)).to_have_value("Keep this question\n\nand this draft")


def test_stop_ends_the_reply_and_sends_the_queued_message(page):
    sign_up(page)
    send(page, STREAMING)
    expect(messages(page, "assistant")).to_contain_text("word2")
    _queue(page, "Never mind, tell me about owls")
    page.get_by_role("button", name="Stop").click()
    expect(messages(page, "assistant").first).to_contain_text("Stopped.")
    expect(messages(page, "assistant").last).to_contain_text("Echo: Never mind, tell me about owls")
    wait_for_reply_end(page)
    expect(messages(page, "user")).to_have_count(2)


def test_copy_puts_the_markdown_source_on_the_clipboard(sized, app_server, assert_accessible):
    sized.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server.url)
    sign_up(sized)
    source = "Please keep **bold**, `code` and\n- a list"
    send(sized, source)
    wait_for_reply_end(sized)
    reply = messages(sized, "assistant")
    reply.get_by_role("button", name="Copy", exact=True).click()
    expect(reply.get_by_role("status")).to_have_text("Copied to clipboard")
    copied = sized.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(
        "Echo: Please keep **bold**, `code` and"
    )  # source, not the rendered text
    assert_accessible(sized)
    messages(sized, "user").get_by_role("button", name="Copy", exact=True).click()
    expect(messages(sized, "user").get_by_role("status")).to_have_text("Copied to clipboard")
    assert sized.evaluate("navigator.clipboard.readText()") == source

    # A reply streamed into this page: its text reached the page by its stream only.
    send(sized, "A _second_ one")
    expect(messages(sized, "assistant")).to_have_count(2)  # not the first reply's end
    wait_for_reply_end(sized)
    second = messages(sized, "assistant").last
    second.get_by_role("button", name="Copy", exact=True).click()
    expect(second.get_by_role("status")).to_have_text("Copied to clipboard")
    assert sized.evaluate("navigator.clipboard.readText()") == "Echo: A _second_ one"


def test_on_a_phone_enter_starts_a_new_line_and_send_sends(page):
    page.set_viewport_size(SIZES["phone"])
    sign_up(page)
    box = message_box(page)
    box.fill("first line")
    box.press("Enter")
    box.press_sequentially("second line")
    expect(box).to_have_value("first line\nsecond line")
    expect(messages(page)).to_have_count(0)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(messages(page, "user")).to_have_text(re.compile("first line\\s+second line"))
    wait_for_reply_end(page)


def test_the_composer_hints_at_image_and_an_image_model_draws(sized, fake_llm):
    sign_up(sized)
    expect(message_box(sized)).to_have_attribute("placeholder", re.compile("/image"))
    sized.get_by_role("combobox", name="Model").click()
    expect(sized.get_by_role("group", name="Image models")).to_contain_text("Fake Painter")
    sized.keyboard.press("Escape")
    pick_model(sized, "Fake Painter")
    send(sized, "a lighthouse at dawn")
    reply = messages(sized, "assistant")
    expect(reply).to_contain_text("a lighthouse at dawn")
    expect(reply.get_by_role("img")).to_have_count(1)
    assert fake_llm.image_requests("generations")[-1].body["prompt"] == "a lighthouse at dawn"
    expect(sized.get_by_role("combobox", name="Model")).to_have_text("Fake Painter")
