"""A long conversation opens at its latest message and follows a reply to its end.

Issue 18, target 6: a streamed reply no longer reads the page's height after
each render (a forced layout of every message on the page); the composer's
follow (composer.jsx), once per frame, keeps the view at the end.
"""

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from nomask_app.db import build_engine
from nomask_app.models import Conversation, User
from nomask_app.pages.chat.conversation import RECENT, STEP
from tests.browser.chat_steps import messages, send, wait_for_reply_end
from tests.browser.helpers import sign_up
from tests.factories import message_chain

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SEEDED = 60  # more than a page (50): "Load earlier messages" shows the rest


def _paragraphs(seq: int) -> str:
    """Messages of one to five paragraphs: the page is many screens tall."""
    paragraph = "words " * 30
    return "\n\n".join(f"Message {seq}, paragraph {n}: {paragraph}" for n in range(seq % 5 + 1))


def _seed_conversation(app_server, email: str, count: int = SEEDED) -> str:
    engine = build_engine(app_server.env["NOMASK_DATABASE_URL"])
    try:
        with Session(engine, expire_on_commit=False) as session:
            user_id = session.exec(select(User.id).where(User.email == email)).one()
            conversation = Conversation(user_id=user_id, title="A long talk")
            session.add(conversation)
            session.flush()
            contents = [_paragraphs(seq) for seq in range(1, count + 1)]
            session.add_all(message_chain(conversation.id, user_id, contents))
            session.commit()
            return conversation.id
    finally:
        engine.dispose()


def _wait_at_bottom(page: Page) -> None:
    """Wait until the messages are scrolled to their end (within the follow's margin)."""
    page.wait_for_function(
        "() => { const r = document.querySelector('[data-scroll-root]');"
        " return r.scrollHeight - r.scrollTop - r.clientHeight < 48; }"
    )


@pytest.mark.parametrize("size", list(SIZES))
def test_a_long_conversation_opens_at_its_end_and_follows_a_reply(
    page, app_server, assert_accessible, size
):
    page.set_viewport_size(SIZES[size])
    email = sign_up(page)
    page.get_by_role("button", name="Essential only").click()
    page.goto(f"/chat/{_seed_conversation(app_server, email)}")
    shown = messages(page)
    expect(shown).to_have_count(50)
    expect(page.get_by_role("button", name="Load earlier messages")).to_be_visible()
    # Seeded as the chat service links messages: none reads as a version of another.
    expect(page.get_by_role("button", name="Previous version")).to_have_count(0)

    # It opens at the latest message.
    expect(shown.last).to_be_in_viewport()
    _wait_at_bottom(page)

    # Scrolled up and back with "Jump to latest".
    page.locator("[data-scroll-root]").evaluate("(root) => { root.scrollTop = 0; }")
    jump = page.get_by_role("button", name="Jump to latest")
    expect(jump).to_be_visible()
    expect(shown.first).to_be_in_viewport()
    assert_accessible(page)
    jump.click()
    expect(jump).to_have_count(0)
    _wait_at_bottom(page)

    # A reply many lines long streams in view, and the page stays at its end.
    send(page, "[[tokens:300]] one more")
    expect(messages(page, "assistant").last).to_contain_text("word150")
    _wait_at_bottom(page)
    wait_for_reply_end(page)
    expect(page.get_by_role("button", name="Regenerate").last).to_be_in_viewport()
    _wait_at_bottom(page)
    assert_accessible(page)


def test_sends_carry_only_their_own_messages_and_the_list_stays_whole(page, app_server):
    """Issue 18, target 4: the page keeps its list; a send brings only what it adds."""
    email = sign_up(page)
    page.get_by_role("button", name="Essential only").click()
    frames: list[str] = []
    page.on(
        "websocket",
        lambda socket: socket.on("framereceived", lambda payload: frames.append(str(payload))),
    )
    page.goto(f"/chat/{_seed_conversation(app_server, email)}")
    shown = messages(page)
    expect(shown).to_have_count(50)
    page.get_by_role("button", name="Load earlier messages").click()
    expect(shown).to_have_count(SEEDED)
    expect(page.get_by_role("button", name="Load earlier messages")).to_have_count(0)
    frames.clear()

    for text in ("first new words", "second new words"):
        send(page, f"[[tokens:5]] {text}")  # a reply that does not repeat the text
        wait_for_reply_end(page)
    expect(shown).to_have_count(SEEDED + 4)
    expect(shown.first).to_contain_text("Message 1, paragraph 0")
    expect(shown.nth(SEEDED)).to_contain_text("first new words")
    expect(shown.nth(SEEDED + 2)).to_contain_text("second new words")
    expect(shown.last).to_have_attribute("data-role", "assistant")
    received = "".join(frames)
    assert "second new words" in received  # the frames were watched
    assert "Message 1, paragraph" not in received and "Message 60, paragraph" not in received
    assert received.count("first new words") == 1  # sent once, not again with the second

    # A reload starts again from the latest page of the conversation.
    page.reload()
    expect(shown).to_have_count(50)
    expect(shown.nth(48)).to_contain_text("second new words")


def test_older_messages_move_into_their_box_and_the_list_stays_in_order(page, app_server):
    """Target 6: the oldest messages are laid out in a box of their own, STEP at a time."""
    email = sign_up(page)
    page.get_by_role("button", name="Essential only").click()
    seeded = RECENT + STEP - 2  # one send short of the first step
    page.goto(f"/chat/{_seed_conversation(app_server, email, seeded)}")
    shown = messages(page)
    expect(shown).to_have_count(50)
    page.get_by_role("button", name="Load earlier messages").click()
    expect(shown).to_have_count(seeded)
    boxed = page.locator(".nm-earlier [data-testid='message']")
    expect(boxed).to_have_count(0)

    send(page, "[[tokens:5]] crossing words")
    wait_for_reply_end(page)
    expect(shown).to_have_count(seeded + 2)
    expect(boxed).to_have_count(STEP)
    texts = shown.evaluate_all("(nodes) => nodes.map((node) => node.textContent)")
    for seq, text in enumerate(texts[:seeded], start=1):
        assert f"Message {seq}, paragraph 0" in text
    assert "crossing words" in texts[seeded]
    _wait_at_bottom(page)
    expect(page.get_by_role("button", name="Regenerate").last).to_be_in_viewport()
