"""Deleting one conversation: gone with its files, and noted on the owner's trail."""

from sqlmodel import select

from nomask_app.models import Conversation, SecurityEvent
from nomask_app.services.chat import conversations
from nomask_app.services.operations import audit
from nomask_app.states.chat.conversation_actions import _delete
from tests.factories import make_user


def test_deleting_a_conversation_records_the_id_only(session):
    user = make_user(session)
    turn = conversations.post_user_message(
        session=session,
        user_id=user.id,
        conversation_id=None,
        text="a private thought",
        model_id="offline-demo",
        max_chars=1000,
    )
    session.commit()
    conversation_id = turn.conversation.id

    _delete(user.id, conversation_id, {"ip_address": "192.0.2.7", "user_agent": "Firefox/128.0"})

    session.expire_all()
    assert session.get(Conversation, conversation_id) is None
    [event] = session.exec(
        select(SecurityEvent).where(SecurityEvent.kind == audit.CONVERSATION_DELETED)
    ).all()
    assert (event.user_id, event.ip_address) == (user.id, "192.0.2.7")
    assert conversation_id in event.detail and "private thought" not in event.detail
    assert audit.label(event.kind) == "A conversation deleted"
