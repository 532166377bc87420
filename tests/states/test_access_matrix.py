"""A second person tries every owner-scoped route and event handler with the first one's ids.

Routes answer 404 and handlers behave as if the thing did not exist; nothing
of the first person's changes. Handlers are called as the websocket would,
with the second person's session cookie in the connection's headers.
"""

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from nomask_app.api import create_api
from nomask_app.middleware import SecurityMiddleware
from nomask_app.models import Conversation, Message, StoredFile, UserSession
from nomask_app.services.accounts import sessions
from nomask_app.services.chat import conversations
from nomask_app.services.images import files
from nomask_app.states.accounts.devices import DevicesState
from nomask_app.states.chat.attachments import AttachmentState
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.conversation_actions import ConversationState
from nomask_app.states.chat.sidebar import SidebarState
from nomask_app.states.operations.admin import AdminState
from tests.factories import make_user
from tests.states.harness import root_state, run, substate


@pytest.fixture
def owner_data(session):
    """The first person: a conversation with a reply, an attached file, a session."""
    alice = make_user(session, name="Alice")
    turn = conversations.post_user_message(
        session=session,
        user_id=alice.id,
        conversation_id=None,
        text="alice's private words",
        model_id="offline-demo",
        max_chars=1000,
    )
    stored = files.store_bytes(
        session=session,
        user_id=alice.id,
        data=b"alice's file",
        filename="notes.txt",
        content_type="text/plain",
    )
    alice_session, _ = sessions.create_session(session=session, user_id=alice.id)
    bob = make_user(session, name="Bob")
    _, bob_token = sessions.create_session(session=session, user_id=bob.id)
    session.commit()
    return {
        "alice": alice,
        "conversation": turn.conversation.id,
        "title": turn.conversation.title,
        "reply": turn.reply.id,
        "file": stored.id,
        "alice_session": alice_session.id,
        "bob_token": bob_token,
    }


def test_routes_answer_not_found_to_someone_else(engine, owner_data):
    client = TestClient(SecurityMiddleware(create_api()), base_url="http://localhost:3000")
    client.cookies.set(sessions.SESSION_COOKIE, owner_data["bob_token"])
    for path in (
        f"/api/files/{owner_data['file']}",
        f"/api/messages/{owner_data['reply']}/stream",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": "not found"}
        assert "alice" not in response.text
    client.cookies.clear()
    assert client.get(f"/api/files/{owner_data['file']}").status_code == 404


def _unchanged(session, data):
    session.expire_all()
    conversation = session.get(Conversation, data["conversation"])
    assert conversation is not None and conversation.title == data["title"]
    assert session.get(StoredFile, data["file"]) is not None
    assert session.get(UserSession, data["alice_session"]) is not None
    assert len(session.exec(select(Message)).all()) == 2


async def test_event_handlers_treat_foreign_ids_as_missing(session, owner_data):
    data = owner_data
    root = root_state(token=data["bob_token"], path=f"/chat/{data['conversation']}")

    chat_state = substate(root, ChatState)
    await run(chat_state, ChatState.open_conversation)
    assert chat_state.not_found and chat_state.title == ""
    assert chat_state.log.items == [] and chat_state._shown == []

    # Even with Alice's ids forced into Bob's state, nothing of hers is reached.
    chat_state.conversation_id = data["conversation"]
    await run(chat_state, ChatState.regenerate)
    assert chat_state.not_found
    chat_state.editing_id = data["reply"]
    await run(chat_state, ChatState.save_edit, {"edited": "bob was here"})
    chat_state.streaming_id = ""
    await run(chat_state, ChatState.show_version, data["reply"], -1)
    await run(chat_state, ChatState.load_earlier)

    conversation = substate(root, ConversationState)
    await run(conversation, ConversationState.rename, {"title": "Bob's now"})
    await run(conversation, ConversationState.delete)

    chat_state.streaming_id = data["reply"]
    await run(chat_state, ChatState.stop)
    await run(chat_state, ChatState.reply_finished, "complete")

    await run(substate(root, AttachmentState), AttachmentState.remove, data["file"])

    devices = substate(root, DevicesState)
    await run(devices, DevicesState.revoke, data["alice_session"])
    assert devices.notice == "That session had already ended."

    sidebar = substate(root, SidebarState)
    await run(sidebar, SidebarState.search, "private")
    await run(sidebar, SidebarState.load)
    await run(sidebar, SidebarState.open)
    assert sidebar.results == [] and sidebar.rows.parts == []

    admin = substate(root, AdminState)
    await run(admin, AdminState.load)
    await run(admin, AdminState.open_account, data["alice"].id)
    await run(admin, AdminState.read_conversations, {"reason": "I would like to read them"})
    assert (admin.allowed, admin.selected, admin.excerpts, admin.accounts) == (False, {}, [], [])

    _unchanged(session, data)


async def test_signed_out_handlers_do_nothing(session, owner_data):
    data = owner_data
    root = root_state(path=f"/chat/{data['conversation']}")
    chat_state = substate(root, ChatState)
    await run(chat_state, ChatState.open_conversation)
    assert chat_state.log.items == [] and chat_state._shown == []
    await run(substate(root, DevicesState), DevicesState.revoke, data["alice_session"])
    await run(substate(root, AttachmentState), AttachmentState.remove, data["file"])
    _unchanged(session, data)
