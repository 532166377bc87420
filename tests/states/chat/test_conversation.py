"""The chat page's state around a first message: what it shows, and what it does not reload."""

import asyncio
import threading

import pytest
from sqlmodel import select

from nomask_app.models import Message
from nomask_app.services.accounts import sessions
from nomask_app.services.chat import conversations
from nomask_app.services.chat.generation import jobs
from nomask_app.states.chat import loaders
from nomask_app.states.chat.conversation import ChatState
from tests.factories import make_user
from tests.states.harness import move_to, reload, root_state, run, sent_items, substate

WAIT = "Wait for the reply to finish, or stop it first."


def _signed_in_tab(session):
    person = make_user(session)
    _, token = sessions.create_session(session=session, user_id=person.id)
    session.commit()
    root = root_state(token=token, path="/")
    return root, substate(root, ChatState)


async def _first_exchange(chat, words: str = "first words") -> str:
    """A first message from `/` and its reply's job run to the end; the new conversation's id."""
    await run(chat, ChatState.open_new)
    await run(chat, ChatState.send, {"composer": words})
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
    return chat.conversation_id


async def test_a_first_message_changes_the_address_and_the_page_stays(
    session, use_models, monkeypatch
):
    """No move to `/chat/<id>`: the page of `/` names the address, and goes on from there.

    A move would have the server handle a page load (and the page render
    again) for what the page already shows.
    """
    use_models()
    root, chat = _signed_in_tab(session)
    await run(chat, ChatState.open_new)
    events = await run(chat, ChatState.send, {"composer": "first words", "conversation": ""})
    started = chat.conversation_id
    assert started and [m["role"] for m in sent_items(chat.log)] == ["user", "assistant"]
    assert [event.handler.fn.__qualname__ for event in events] == ["_set_value"]
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
    await run(chat, ChatState.reply_finished, "complete")

    # The router still says `/`; the next message goes on in the same conversation.
    loads = []
    real_list = conversations.list_messages
    monkeypatch.setattr(
        conversations, "list_messages", lambda **k: loads.append(k) or real_list(**k)
    )
    await run(chat, ChatState.send, {"composer": "more words", "conversation": started})
    assert chat.conversation_id == started
    assert [m["content"] for m in sent_items(chat.log)] == ["more words", ""]
    assert loads == []
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
    await run(chat, ChatState.reply_finished, "complete")

    # "New chat" (or a reconnect asking for `/`): an empty chat.
    await run(chat, ChatState.open_new)
    assert chat.conversation_id == ""
    assert chat.log.mode == "reset" and sent_items(chat.log) == []

    # Opening it later (a sidebar click, a reload) loads it from the database.
    move_to(root, f"/chat/{started}")
    await run(chat, ChatState.open_conversation)
    assert len(loads) == 1 and chat.conversation_id == started
    assert [m["role"] for m in sent_items(chat.log)] == ["user", "assistant"] * 2


async def test_a_send_after_the_tab_lost_its_state_goes_on_in_the_conversation_shown(
    session, use_models
):
    """Redis restarted without persistence: the page still names its conversation."""
    use_models()
    root, chat = _signed_in_tab(session)
    started = await _first_exchange(chat)

    fresh = substate(root_state(token=root.router.headers.cookie.split("=", 1)[1]), ChatState)
    # Reflex reloads a lost state for the router's `/`: the page must hear that the
    # server shows no conversation, though `conversation_id` was "" already.
    await ChatState.open_new.fn(fresh)
    assert "conversation_id" in fresh.dirty_vars and fresh.conversation_id == ""
    fresh._get_root_state()._clean()
    await run(fresh, ChatState.send, {"composer": "after the restart", "conversation": started})
    assert fresh.conversation_id == started
    stored = session.exec(
        select(Message.content).where(Message.conversation_id == started, Message.role == "user")
    ).all()
    assert sorted(stored) == ["after the restart", "first words"]
    await asyncio.wait_for(jobs.get(fresh.streaming_id).task, 30)


async def test_a_reload_after_a_first_message_gets_the_whole_list(session, use_models):
    """The page is loaded again at the conversation's new address.

    The reloaded page starts from nothing, so it must get a "reset" even though
    this tab started the conversation (a CI's postgres-restart failure once:
    0 messages after the reload).
    """
    use_models()
    root, chat = _signed_in_tab(session)
    await run(chat, ChatState.open_new)
    await run(chat, ChatState.send, {"composer": "first words"})
    started, streaming_id = chat.conversation_id, chat.streaming_id
    await asyncio.wait_for(jobs.get(streaming_id).task, 30)
    await run(chat, ChatState.reply_finished, "complete")
    before = chat.log.seq

    reload(root, f"/chat/{started}")
    reloaded = substate(root, ChatState)
    await run(reloaded, ChatState.open_conversation)
    assert reloaded.log.mode == "reset" and reloaded.log.seq > before
    shown = sent_items(reloaded.log)
    assert [m["role"] for m in shown] == ["user", "assistant"]
    assert shown[0]["content"] == "first words" and shown[1]["status"] == "complete"


async def test_the_wait_notice_clears_when_the_reply_ends(session, use_models):
    use_models()
    _, chat = _signed_in_tab(session)
    await run(chat, ChatState.open_new)
    await run(chat, ChatState.send, {"composer": "first words"})
    # A new message would wait its turn (queued); regenerating cannot.
    await run(chat, ChatState.regenerate)
    assert chat.notice == WAIT
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
    await run(chat, ChatState.reply_finished)
    assert chat.streaming_id == "" and chat.notice == ""


async def test_edit_and_versions_while_a_reply_is_written_say_to_wait(session, use_models):
    """Their buttons stay enabled during a reply (cheaper for a long page); the server refuses."""
    use_models()
    _, chat = _signed_in_tab(session)
    await _first_exchange(chat)
    await run(chat, ChatState.reply_finished, "complete")
    await run(chat, ChatState.regenerate)
    question = chat._shown[0][0]
    assert chat.streaming_id

    await run(chat, ChatState.start_editing, question)
    assert chat.editing_id == "" and chat.notice == WAIT
    await run(chat, ChatState.dismiss_notice)
    shown_before = list(chat._shown)
    await run(chat, ChatState.show_version, chat._shown[-1][0], -1)
    assert chat.notice == WAIT and chat._shown == shown_before

    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
    await run(chat, ChatState.reply_finished, "complete")
    await run(chat, ChatState.start_editing, question)
    assert chat.editing_id == question and chat.notice == ""


async def test_a_notice_can_be_dismissed(session, use_models):
    use_models()
    _, chat = _signed_in_tab(session)
    await run(chat, ChatState.open_new)
    await run(chat, ChatState.send, {"composer": ""})
    assert chat.notice == "Type a message first."
    await run(chat, ChatState.dismiss_notice)
    assert chat.notice == "" and chat.notice_link == ""


async def test_a_send_and_a_page_open_look_the_session_up_once(session, use_models, monkeypatch):
    """Each lookup is a database round trip; with 200 people sending at once they add up.

    The send's lookup is the one in the transaction that stores the turn; a
    session ended in between still stops the send. No lookup runs on the
    event loop's thread, where it would stall every other reply and event.
    """
    from nomask_app.states.accounts import session as session_module
    from nomask_app.states.accounts.session import SessionEnded

    use_models()
    person = make_user(session)
    _, token = sessions.create_session(session=session, user_id=person.id)
    session.commit()
    root = root_state(token=token, path="/")
    chat = substate(root, ChatState)
    lookups = []

    def counted(real):
        return lambda **kwargs: lookups.append(threading.get_ident()) or real(**kwargs)

    monkeypatch.setattr(loaders, "resolve_session", counted(loaders.resolve_session))
    monkeypatch.setattr(session_module, "resolve_session", counted(session_module.resolve_session))
    await run(chat, ChatState.open_new)
    assert len(lookups) == 1
    await run(chat, ChatState.send, {"composer": "first words"})
    assert len(lookups) == 2 and chat.streaming_id
    await asyncio.wait_for(jobs.get(chat.streaming_id).task, 30)
    await run(chat, ChatState.reply_finished, "complete")
    assert len(lookups) == 3 and chat.streaming_id == ""
    assert threading.get_ident() not in lookups

    lookups.clear()
    reload(root, f"/chat/{chat.conversation_id}")
    reopened = substate(root, ChatState)
    await run(reopened, ChatState.open_conversation)
    assert len(lookups) == 1 and reopened.conversation_id
    assert threading.get_ident() not in lookups

    sessions.revoke_session(session=session, token=token)
    session.commit()
    with pytest.raises(SessionEnded):  # the app's error handler moves the tab to sign-in
        await run(reopened, ChatState.send, {"composer": "after the sign-out"})
    stored = session.exec(select(Message.content).where(Message.user_id == person.id)).all()
    assert "after the sign-out" not in stored and len(stored) == 2


async def test_a_forged_conversation_field_stores_nothing(session, use_models):
    """The field comes from the page: another person's conversation, or nonsense, is refused."""
    use_models()
    _, other = _signed_in_tab(session)
    theirs = await _first_exchange(other, "their words")

    for forged in (theirs, "x" * 500, "../chat/\u202e"):
        _, chat = _signed_in_tab(session)
        events = await run(chat, ChatState.send, {"composer": "mine", "conversation": forged})
        # Nothing sent, so the box is not cleared: the text stays for the person.
        assert events is None and chat.not_found and chat.streaming_id == ""
        assert chat.conversation_id == "" and sent_items(chat.log) == []
    stored = session.exec(select(Message.content).where(Message.role == "user")).all()
    assert stored == ["their words"]


async def test_a_session_ended_returns_to_the_conversation_in_the_address(session, use_models):
    """After a first message the address names the conversation; the router still says `/`."""
    from nomask_app.states.accounts.session import SessionEnded, login_path

    use_models()
    person = make_user(session)
    tokens = [sessions.create_session(session=session, user_id=person.id)[1] for _ in range(2)]
    session.commit()
    root = root_state(token=tokens[0], path="/")
    chat = substate(root, ChatState)
    started = await _first_exchange(chat)
    await run(chat, ChatState.reply_finished, "complete")

    # A second tab shows that conversation, then "New chat": it asked for `/`.
    other = root_state(token=tokens[1], path=f"/chat/{started}")
    other_chat = substate(other, ChatState)
    await run(other_chat, ChatState.open_conversation)
    assert other_chat.conversation_id == started

    for token in tokens:
        sessions.revoke_session(session=session, token=token)
    session.commit()
    with pytest.raises(SessionEnded) as ended:
        await run(chat, ChatState.send, {"composer": "later", "conversation": started})
    assert ended.value.path == f"/chat/{started}"
    assert login_path(ended.value.path, ended=True) == f"/login?ended=1&next=/chat/{started}"
    move_to(other, "/")
    with pytest.raises(SessionEnded) as ended:
        await run(other_chat, ChatState.open_new)
    assert ended.value.path == "/"
