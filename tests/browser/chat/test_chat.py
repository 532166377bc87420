"""The chat in the production build, against the local OpenAI-compatible provider."""

import re

from playwright.sync_api import expect

from tests.browser.chat_steps import (
    conversation_id,
    messages,
    pick_model,
    send,
    wait_for_reply_end,
)
from tests.browser.helpers import at, sign_out, sign_up, wait_until


def test_send_streams_a_reply_that_is_stored(page, fake_llm, assert_accessible):
    sign_up(page)
    expect(page.get_by_role("combobox", name="Model")).to_have_text("Fake Team")
    assert_accessible(page)
    send(page, "Hello from the browser")
    conversation_id(page)
    expect(messages(page, "user")).to_have_text(re.compile("Hello from the browser"))
    expect(messages(page, "assistant")).to_contain_text("Echo: Hello from the browser")
    wait_for_reply_end(page)
    expect(messages(page, "assistant").locator("time")).to_have_count(1)
    expect(page.get_by_role("textbox", name="Message")).to_have_value("")
    # The reply is stored: a reload shows it again, with its model.
    page.reload()
    expect(messages(page, "assistant")).to_contain_text("Echo: Hello from the browser")
    expect(messages(page, "assistant")).to_contain_text("Fake Team")
    expect(page.get_by_role("link", name=re.compile("Hello from the browser"))).to_be_visible()
    assert_accessible(page)


def test_shift_enter_makes_a_new_line_and_enter_sends(page):
    sign_up(page)
    box = page.get_by_role("textbox", name="Message")
    box.fill("first line")
    box.press("Shift+Enter")
    box.press_sequentially("second line")
    expect(box).to_have_value("first line\nsecond line")
    box.press("Enter")
    expect(messages(page, "user")).to_have_text(re.compile("first line\\s+second line"))
    wait_for_reply_end(page)


def test_stop_cancels_the_upstream_stream_and_keeps_the_text(page, fake_llm):
    sign_up(page)
    send(page, "[[slow]] [[tokens:200]]")
    reply = messages(page, "assistant")
    expect(reply).to_contain_text("word3")
    before = len(fake_llm.state.disconnects)
    page.get_by_role("button", name="Stop").click()
    expect(reply).to_contain_text("Stopped.")
    expect(page.get_by_role("button", name="Stop")).to_have_count(0)
    wait_until(lambda: len(fake_llm.state.disconnects) == before + 1)
    kept = reply.inner_text()
    assert "word199" not in kept
    page.reload()
    expect(messages(page, "assistant")).to_contain_text("word3")
    expect(messages(page, "assistant")).to_contain_text("Stopped.")


def test_reloading_mid_reply_loses_nothing(page):
    sign_up(page)
    send(page, "[[slow]] [[tokens:40]]")
    conversation_id(page)
    expect(messages(page, "assistant")).to_contain_text("word4")
    page.reload()
    # The partial reply is shown at once and keeps streaming to the end.
    expect(messages(page, "assistant")).to_contain_text("word2")
    expect(messages(page, "assistant")).to_contain_text("word39", timeout=20_000)
    wait_for_reply_end(page)
    page.reload()
    expect(messages(page, "assistant")).to_contain_text("word0 word1")
    expect(messages(page, "assistant")).to_contain_text("word39")


def test_regenerate_and_edit_the_last_message(page, fake_llm):
    sign_up(page)
    send(page, "Waht is the capital?")
    wait_for_reply_end(page)
    count = len(fake_llm.chat_requests())
    page.get_by_role("button", name="Regenerate").click()
    wait_until(lambda: len(fake_llm.chat_requests()) > count)
    wait_for_reply_end(page)
    expect(messages(page, "assistant")).to_have_count(1)
    assert len(fake_llm.chat_requests()) == count + 1

    page.get_by_role("button", name="Edit").click()
    editor = page.get_by_role("textbox", name="Edit message")
    editor.fill("What is the capital?")
    page.get_by_role("button", name="Save and send").click()
    expect(messages(page, "user")).to_have_text(re.compile("What is the capital\\?"))
    expect(messages(page, "assistant")).to_contain_text("Echo: What is the capital?")
    expect(messages(page)).to_have_count(2)


def test_provider_failure_shows_retry_and_falls_back(page, fake_llm):
    sign_up(page)
    # The primary deployment fails: the same request is answered by the next one.
    fake_llm.fail_model("fake-a", 500)
    try:
        send(page, "first question")
        expect(messages(page, "assistant")).to_contain_text("Echo: first question")
        wait_for_reply_end(page)
        # Every deployment fails: a clear message, the user's message intact, and Retry.
        fake_llm.fail_model("fake-b", 503)
        send(page, "second question")
        expect(page.get_by_role("alert")).to_contain_text("AI provider")
        expect(messages(page, "user").last).to_have_text(re.compile("second question"))
        fake_llm.fail_model("fake-b", None)
        page.wait_for_timeout(1500)  # failed deployments cool down for 1 s in this app
        page.get_by_role("button", name="Retry").click()
        expect(messages(page, "assistant").last).to_contain_text("Echo: second question")
    finally:
        fake_llm.fail_model("fake-a", None)
        fake_llm.fail_model("fake-b", None)


def test_rename_search_and_delete_conversations(page, assert_accessible):
    sign_up(page)
    send(page, "notes about photosynthesis")
    first = conversation_id(page)
    wait_for_reply_end(page)
    page.get_by_role("button", name="New chat").click()
    expect(page).to_have_url(at("/"))
    send(page, "a pancake recipe")
    second = conversation_id(page)
    assert second != first
    wait_for_reply_end(page)

    page.get_by_role("button", name="Rename").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Title").fill("")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Enter a title.")).to_be_visible()
    assert_accessible(page)
    dialog.get_by_label("Title").fill("Breakfast ideas")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Breakfast ideas", level=1)).to_be_visible()
    nav = page.get_by_role("navigation", name="Conversations")
    expect(nav.get_by_role("link", name="Breakfast ideas")).to_be_visible()

    page.get_by_role("searchbox", name="Search conversations").fill("photosynth")
    expect(nav.get_by_role("link", name=re.compile("photosynthesis"))).to_be_visible()
    expect(nav.get_by_role("link", name="Breakfast ideas")).to_have_count(0)
    page.get_by_role("searchbox", name="Search conversations").fill("")

    page.get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete conversation").click()
    expect(page).to_have_url(at("/"))
    expect(nav.get_by_role("link", name="Breakfast ideas")).to_have_count(0)
    page.goto(f"/chat/{second}")
    expect(page.get_by_role("heading", name="Conversation not found")).to_be_visible()
    page.goto(f"/chat/{first}")
    expect(messages(page, "user")).to_have_text(re.compile("photosynthesis"))


def test_the_sidebar_follows_each_send_and_a_reload(page):
    # The page keeps the list and gets only changes (states/chat/sidebar.py).
    sent = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(frame)))
    sign_up(page)
    nav = page.get_by_role("navigation", name="Conversations")
    links = nav.get_by_role("link")
    for text in ("Oldest talk [[notitle]]", "Middle talk [[notitle]]", "Newest talk [[notitle]]"):
        page.goto("/")
        send(page, text)
        conversation_id(page)
        wait_for_reply_end(page)
    expect(links).to_have_text([re.compile(name) for name in ("Newest", "Middle", "Oldest")])

    nav.get_by_role("link", name=re.compile("Oldest")).click()
    expect(page.get_by_role("heading", name=re.compile("Oldest"), level=1)).to_be_visible()
    send(page, "one more [[notitle]]")
    wait_for_reply_end(page)
    expect(links).to_have_text([re.compile(name) for name in ("Oldest", "Newest", "Middle")])
    # The open conversation is the one marked current, and only it.
    current = nav.locator('[aria-current="page"]')
    expect(links.first).to_have_attribute("aria-current", "page")
    expect(current).to_have_count(1)
    page.reload()
    expect(links).to_have_text([re.compile(name) for name in ("Oldest", "Newest", "Middle")])
    expect(current).to_have_text(re.compile("Oldest"))
    nav.get_by_role("link", name=re.compile("Middle")).click()
    expect(current).to_have_text(re.compile("Middle"))
    expect(current).to_have_count(1)
    page.get_by_role("button", name="New chat").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(current).to_have_count(0)
    # The browser's time zone went to the server once, not at each page it opened.
    assert sum("set_time_zone" in str(frame) for frame in sent) == 1


def test_another_user_cannot_open_my_conversation(page, browser, app_server):
    sign_up(page)
    send(page, "my private plans")
    mine = conversation_id(page)
    wait_for_reply_end(page)
    sign_out(page)
    sign_up(page)
    page.goto(f"/chat/{mine}")
    expect(page.get_by_role("heading", name="Conversation not found")).to_be_visible()
    expect(page.get_by_text("my private plans")).to_have_count(0)
    response = page.request.get(f"/api/messages/{mine}/stream")
    assert response.status == 404


def test_markdown_code_tables_and_math(page):
    from tests.fakes.openai_server import reply64

    sign_up(page)
    reply = (
        "Here:\n\n```python\nprint('hi')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "Euler: $e^{i\\pi} + 1 = 0$"
    )
    send(page, f"show me {reply64(reply)}")
    assistant = messages(page, "assistant")
    expect(assistant.get_by_role("button", name="Copy code")).to_be_visible()
    expect(assistant.locator("pre code")).to_have_text("print('hi')")
    expect(assistant.locator("pre code span.hljs-built_in")).to_have_count(1)
    expect(assistant.get_by_role("table")).to_be_visible()
    expect(assistant.locator(".katex")).to_have_count(1)


def test_long_conversations_note_what_was_left_out(page):
    sign_up(page)
    pick_model(page, "Tiny Window")
    send(page, "one two three four five six seven eight nine ten eleven twelve thirteen")
    conversation_id(page)
    wait_for_reply_end(page)
    send(page, "and now a second long message with quite a few words in it as well")
    wait_for_reply_end(page)
    send(page, "third")
    expect(messages(page, "assistant").last).to_contain_text("left out")
    wait_for_reply_end(page)


def test_text_attachments_reach_the_model_and_images_need_vision(page, fake_llm, tmp_path):
    sign_up(page)
    notes = tmp_path / "notes.txt"
    notes.write_text("The secret ingredient is cardamom.")
    page.get_by_role("button", name="Attach file").click()  # opens the chooser
    page.locator("input[type=file]").set_input_files(str(notes))
    expect(page.get_by_text("notes.txt")).to_be_visible()
    send(page, "What is in my notes?")
    conversation_id(page)
    wait_for_reply_end(page)
    sent = fake_llm.chat_requests()[-1].body["messages"][-1]["content"]
    assert "cardamom" in sent and "What is in my notes?" in sent
    expect(messages(page, "user").get_by_role("link", name="notes.txt")).to_be_visible()

    from PIL import Image

    picture = tmp_path / "dot.png"
    Image.new("RGB", (8, 8), (255, 0, 0)).save(picture)
    page.locator("input[type=file]").set_input_files(str(picture))
    expect(page.get_by_role("button", name="Remove dot.png")).to_be_visible()
    send(page, "What colour is this?")
    expect(page.get_by_role("alert")).to_contain_text("cannot see images")
    expect(page.get_by_role("textbox", name="Message")).to_have_value("What colour is this?")
    pick_model(page, "Fake Vision")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(messages(page, "user")).to_have_count(2)
    wait_for_reply_end(page)
    content = fake_llm.chat_requests()[-1].body["messages"][-1]["content"]
    assert content[1]["image_url"]["url"].startswith("data:image/png;base64,")


def test_bad_input_keeps_what_was_typed(page, tmp_path):
    sign_up(page)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Type a message first.")
    bad = tmp_path / "cat.png"
    bad.write_text("<html><script>alert(1)</script></html>")
    page.get_by_role("textbox", name="Message").fill("keep me")
    page.locator("input[type=file]").set_input_files(str(bad))
    expect(page.get_by_role("alert")).to_contain_text("not a valid image")
    expect(page.get_by_role("textbox", name="Message")).to_have_value("keep me")


def test_at_the_quota_the_text_is_kept_and_upgrading_is_offered(page, app_server):
    from sqlmodel import Session, select

    from nomask_app.db import build_engine
    from nomask_app.models import User
    from nomask_app.services.billing.usage import record_usage

    email = sign_up(page)
    engine = build_engine(app_server.env["NOMASK_DATABASE_URL"])
    with Session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        for _ in range(50):  # the free plan's daily allowance, used up
            record_usage(session=session, user_id=user.id, kind="message", model="m", provider="p")
        session.commit()
    engine.dispose()
    send(page, "one message too many")
    expect(page.get_by_role("alert")).to_contain_text("UTC")
    expect(page.get_by_role("link", name="See plans and upgrade")).to_have_attribute(
        "href", "/billing"
    )
    expect(page.get_by_role("textbox", name="Message")).to_have_value("one message too many")
    expect(messages(page)).to_have_count(0)
