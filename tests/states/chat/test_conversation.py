"""The chat page's state around a first message: what it shows, and what it does not reload."""

import asyncio

from nomask_app.services.accounts import sessions
from nomask_app.services.chat.generation import jobs
from nomask_app.states.chat import loaders
from nomask_app.states.chat.conversation import ChatState
from tests.factories import make_user
from tests.states.harness import move_to, root_state, run, substate


def _signed_in_tab(session):
    person = make_user(session)
    _, token = sessions.create_session(session=session, user_id=person.id)
    session.commit()
    root = root_state(token=token, path="/")
    return root, substate(root, ChatState)


async def test_the_move_to_a_new_conversations_address_does_not_load_it_again(
    session, use_models, monkeypatch
):
    use_models()
    root, chat = _signed_in_tab(session)
    await run(chat, ChatState.open_new)
    await run(chat, ChatState.send, {"message": "first words"})
    started = chat.conversation_id
    assert started and [m.role for m in chat.recent] == ["user", "assistant"]
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)

    loads = []
    real_load = loaders.load_conversation
    monkeypatch.setattr(
        loaders, "load_conversation", lambda *a, **k: loads.append(a) or real_load(*a, **k)
    )
    # The redirect to /chat/<id> that follows the first message: the page already shows it.
    move_to(root, f"/chat/{started}")
    moved = substate(root, ChatState)
    await run(moved, ChatState.open_conversation)
    assert loads == [] and [m.role for m in moved.recent] == ["user", "assistant"]

    # Opening it again later (a sidebar click, a reload) loads it from the database.
    await run(moved, ChatState.open_conversation)
    assert len(loads) == 1 and moved.conversation_id == started
    assert [m.role for m in moved.messages] == ["user", "assistant"] and moved.recent == []


async def test_the_wait_notice_clears_when_the_reply_ends(session, use_models):
    use_models()
    _, chat = _signed_in_tab(session)
    await run(chat, ChatState.open_new)
    await run(chat, ChatState.send, {"message": "first words"})
    # A new message would wait its turn (queued); regenerating cannot.
    await run(chat, ChatState.regenerate)
    assert chat.notice == "Wait for the reply to finish, or stop it first."
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
    await run(chat, ChatState.reply_finished)
    assert chat.streaming_id == "" and chat.notice == ""


async def test_a_notice_can_be_dismissed(session, use_models):
    use_models()
    _, chat = _signed_in_tab(session)
    await run(chat, ChatState.open_new)
    await run(chat, ChatState.send, {"message": ""})
    assert chat.notice == "Type a message first."
    await run(chat, ChatState.dismiss_notice)
    assert chat.notice == "" and chat.notice_link == ""
