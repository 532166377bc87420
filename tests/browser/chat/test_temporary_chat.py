"""Temporary chat: labelled while open, never listed or searchable, gone once left."""

import re

from playwright.sync_api import Page, expect

from nomask_app.models import Conversation
from tests.browser.chat_steps import conversation_id, messages, send, wait_for_reply_end
from tests.browser.helpers import sign_out, sign_up
from tests.browser.privacy.test_privacy_center import AppDatabase

PHONE = {"width": 390, "height": 844}
NOT_SAVED = "Temporary chat: not saved"


def _stored(app_server, conversation: str) -> bool:
    with AppDatabase(app_server) as session:
        return session.get(Conversation, conversation) is not None


def _temporary_switch(page: Page):
    return page.get_by_role("switch", name="Temporary chat")


def test_temporary_chat_is_labelled_unlisted_and_discarded_when_left(
    page, app_server, assert_accessible
):
    sign_up(page)
    send(page, "a saved conversation")
    saved = conversation_id(page)
    wait_for_reply_end(page)
    expect(page.get_by_role("status").filter(has_text=NOT_SAVED)).to_have_count(0)

    _temporary_switch(page).click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(_temporary_switch(page)).to_be_checked()
    expect(page.get_by_role("status").filter(has_text=NOT_SAVED)).to_be_visible()
    send(page, "walrus plans for the weekend")
    temporary = conversation_id(page)
    wait_for_reply_end(page)
    expect(messages(page, "assistant")).to_contain_text("Echo: walrus plans")
    assert _stored(app_server, temporary)  # while it is open, it works like any chat
    assert_accessible(page)

    sidebar = page.get_by_role("navigation", name="Conversations")
    expect(sidebar.get_by_role("link", name=re.compile("a saved conversation"))).to_be_visible()
    expect(sidebar.get_by_role("link", name=re.compile("walrus"))).to_have_count(0)
    page.get_by_role("searchbox", name="Search conversations").fill("walrus")
    expect(page.get_by_text("No conversations match.")).to_be_visible()
    page.get_by_role("searchbox", name="Search conversations").fill("")
    expect(sidebar.get_by_role("link", name=re.compile("a saved conversation"))).to_be_visible()

    # A reload keeps it, still labelled.
    page.reload()
    expect(messages(page, "user")).to_have_text(re.compile("walrus plans"))
    expect(page.get_by_role("status").filter(has_text=NOT_SAVED)).to_be_visible()
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("status").filter(has_text=NOT_SAVED)).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    # Leaving it (here: opening the saved conversation) deletes it for good.
    page.get_by_role("link", name=re.compile("a saved conversation")).click()
    expect(page).to_have_url(re.compile(f"/chat/{saved}"))
    expect(page.get_by_role("status").filter(has_text=NOT_SAVED)).to_have_count(0)
    assert not _stored(app_server, temporary)
    page.goto(f"/chat/{temporary}")
    expect(page.get_by_role("heading", name="Conversation not found")).to_be_visible()
    assert _stored(app_server, saved)


def test_signing_out_discards_the_open_temporary_chat(page, app_server):
    sign_up(page)
    _temporary_switch(page).click()
    expect(page.get_by_role("status").filter(has_text=NOT_SAVED)).to_be_visible()
    send(page, "something to forget")
    temporary = conversation_id(page)
    wait_for_reply_end(page)
    _temporary_switch(page).click()  # off: a fresh saved chat, the temporary one gone
    expect(_temporary_switch(page)).not_to_be_checked()
    expect(page.get_by_role("status").filter(has_text=NOT_SAVED)).to_have_count(0)
    assert not _stored(app_server, temporary)

    _temporary_switch(page).click()
    send(page, "another thing to forget")
    second = conversation_id(page)
    wait_for_reply_end(page)
    sign_out(page)
    assert not _stored(app_server, second)
