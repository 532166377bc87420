"""A message sent while a reply streams waits its turn and goes through `send` again."""

import asyncio

from nomask_app.services.accounts import sessions
from nomask_app.services.chat.generation import jobs
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.queue import FROM_QUEUE
from tests.factories import make_user
from tests.states.harness import root_state, run, sent_items, substate


def _signed_in_tab(session):
    person = make_user(session)
    _, token = sessions.create_session(session=session, user_id=person.id)
    session.commit()
    return substate(root_state(token=token, path="/"), ChatState)


def _clears_the_box(events) -> bool:
    handlers = (getattr(event, "handler", event) for event in events)  # spec or handler
    return any(handler.fn.__qualname__ == "_set_value" for handler in handlers)


async def _streaming_tab(session, use_models):
    use_models()
    chat = _signed_in_tab(session)
    await run(chat, ChatState.open_new)
    events = await run(chat, ChatState.send, {"composer": "first words"})
    assert chat.streaming_id
    assert _clears_the_box(events)  # the page removes the sent text from the box
    return chat


async def test_text_sent_during_a_reply_is_queued_then_sent_when_it_ends(session, use_models):
    chat = await _streaming_tab(session, use_models)
    await run(chat, ChatState.send, {"composer": "second"})
    await run(chat, ChatState.send, {"composer": "third"})
    assert chat.queued == "second\n\nthird" and chat.notice == ""
    assert [role for _, role in chat._shown] == ["user", "assistant"]  # nothing stored or sent yet

    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
    events = await run(chat, ChatState.reply_finished, "complete")
    assert chat.queued == "" and chat.streaming_id == ""
    # The queued text goes through `send` again, with every check a typed message gets
    # (after the title request of the first exchange).
    follow_up = events[-1]
    assert follow_up.handler.fn is ChatState.send.fn
    assert "second" in str(follow_up.args[0][1]) and FROM_QUEUE in str(follow_up.args[0][1])
    events = await run(chat, ChatState.send, {"composer": "second\n\nthird", FROM_QUEUE: True})
    # The queued text left the box when it was queued; the box may hold a new draft now.
    assert not _clears_the_box(events)
    # The page gets the new turn only (it keeps the first one).
    assert [(m["role"], m["content"]) for m in sent_items(chat.log)] == [
        ("user", "second\n\nthird"),
        ("assistant", ""),
    ]
    assert chat.log.mode == "add" and [role for _, role in chat._shown] == ["user", "assistant"] * 2


async def test_cancelling_gives_the_text_back_and_a_blank_text_is_not_queued(session, use_models):
    chat = await _streaming_tab(session, use_models)
    await run(chat, ChatState.send, {"composer": "   "})
    assert chat.queued == ""
    await run(chat, ChatState.send, {"composer": "keep me"})
    await run(chat, ChatState.cancel_queued)
    assert (chat.queued, chat.restore_text) == ("", "keep me")
    await run(chat, ChatState.restored)
    assert chat.restore_text == ""


async def test_a_refused_queued_message_goes_back_to_the_composer(session, use_models):
    chat = await _streaming_tab(session, use_models)
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
    await run(chat, ChatState.reply_finished, "complete")
    too_long = "x" * 40_000
    await run(chat, ChatState.send, {"composer": too_long, FROM_QUEUE: True})
    assert chat.notice and chat.restore_text == too_long


async def test_queue_handlers_check_the_signed_in_person(session):
    chat = substate(root_state(token="not-a-session", path="/"), ChatState)
    chat.queued = "someone else's"
    assert await run(chat, ChatState.cancel_queued) == SessionState.require_user
    assert await run(chat, ChatState.send, {"composer": "hi"}) == SessionState.require_user
    assert chat.queued == "someone else's" and chat.restore_text == ""
