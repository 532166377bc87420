"""The page gets changes to the shown messages, never the whole list again (issue 18, target 4)."""

import asyncio
import json

import pytest
from reflex_base.utils.format import json_dumps

from nomask_app.models import Conversation, Message
from nomask_app.services.accounts import sessions
from nomask_app.services.chat.generation import jobs
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.views import MessageView
from tests.factories import make_user
from tests.states.harness import move_to, root_state, run, sent_items, substate


def _tab(session, path="/"):
    person = make_user(session)
    _, token = sessions.create_session(session=session, user_id=person.id)
    session.commit()
    return person, substate(root_state(token=token, path=path), ChatState)


async def _send_and_finish(chat, text: str) -> int:
    """Send `text`, let the reply end; the bytes of the changes the page got."""
    await run(chat, ChatState.send, {"composer": text})
    sent = len(json_dumps(chat.log))
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
    await run(chat, ChatState.reply_finished, "complete")
    return sent + len(json_dumps(chat.log))


async def test_each_send_carries_its_own_turn_only(session, use_models):
    use_models()
    _, chat = _tab(session)
    await run(chat, ChatState.open_new)
    sizes = [await _send_and_finish(chat, "the same words") for _ in range(12)]

    # The last change: the finished reply, in place of its streaming self; its text
    # is not sent again (the page streamed it and keeps it).
    assert chat.log.mode == "add" and len(chat.log.items) == 1
    finished = chat.log.items[0]
    assert finished["status"] == "complete" and finished["stream_src"] == ""
    assert "content" not in finished and "time_iso" not in finished  # what did not change
    assert chat.log.after == chat.log.seq - 1
    assert [role for _, role in chat._shown] == ["user", "assistant"] * 12
    assert chat.last_reply_id == chat._shown[-1][0] and chat.has_messages
    # What a send costs the websocket does not grow with what the tab shows.
    assert max(sizes[1:]) - min(sizes[1:]) < 16


async def test_opening_resets_and_earlier_messages_come_alone(session, use_models):
    use_models()
    person, chat = _tab(session)
    conversation = Conversation(user_id=person.id, title="Long")
    session.add(conversation)
    session.flush()
    roles = ("assistant", "user")
    session.add_all(
        Message(conversation_id=conversation.id, user_id=person.id, seq=n, role=roles[n % 2])
        for n in range(1, 71)
    )
    session.commit()
    move_to(chat._get_root_state(), f"/chat/{conversation.id}")
    await run(chat, ChatState.open_conversation)
    opened = chat.log
    assert opened.mode == "reset" and len(opened.items) == len(chat._shown) < 70
    assert [m["role"] for m in sent_items(opened)] == [role for _, role in chat._shown]
    first = chat._shown[0][0]

    await run(chat, ChatState.load_earlier)
    assert chat.log.mode == "earlier" and chat.log.after == opened.seq
    assert {m["id"] for m in chat.log.items}.isdisjoint({m["id"] for m in opened.items})
    assert chat._shown[len(chat.log.items)][0] == first
    assert len(chat._shown) == 70 and not chat.has_earlier


def test_two_changes_in_one_event_reach_the_page_as_one(session):
    _, chat = _tab(session)
    seq = chat.log.seq
    chat._show_only([MessageView(id="a", role="user"), MessageView(id="b", role="assistant")])
    chat._show_added([MessageView(id="b", role="assistant", content="done")])
    assert (chat.log.seq, chat.log.after, chat.log.mode) == (seq + 1, seq, "reset")
    assert chat.log.items == [{"id": "a"}, {"id": "b", "role": "assistant", "content": "done"}]
    with pytest.raises(ValueError):
        chat._show_earlier([MessageView(id="c")])


def test_a_page_that_missed_a_change_waits_for_a_reset(session):
    # The rule of message_log.js, which the page follows: each change names the one before.
    _, chat = _tab(session)
    chat._show_only([MessageView(id="a")])
    chat._get_root_state()._clean()
    chat._show_added([MessageView(id="b")])
    sent = json.loads(json_dumps(chat.log))
    assert sent["after"] == sent["seq"] - 1 and sent["mode"] == "add"


def test_a_reply_the_page_did_not_stream_comes_with_its_text(session):
    _, chat = _tab(session)
    live = MessageView(id="r", role="assistant", content="So far", stream_src="/s?offset=6")
    chat._show_only([MessageView(id="u", role="user"), live])
    chat._get_root_state()._clean()
    # Opened while it streamed: the page has "So far" and streams the rest.
    chat._show_finished(MessageView(id="r", role="assistant", content="So far, all of it"))
    assert chat.log.items == [{"id": "r", "stream_src": ""}]
    chat._get_root_state()._clean()
    # Any other message comes as it is stored.
    chat._show_finished(MessageView(id="u", role="user", content="question"))
    assert chat.log.items == [{"id": "u", "content": "question"}]
