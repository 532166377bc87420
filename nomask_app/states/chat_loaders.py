"""Blocking work behind the chat state, run in worker threads (database, catalogue)."""

from nomask_app.db import session_scope
from nomask_app.integrations.llm import get_gateway, get_image_gateway
from nomask_app.models import Message
from nomask_app.services import chat, files, replies
from nomask_app.services.errors import NotFound
from nomask_app.states.chat_views import MessageView, message_view


def model_labels() -> dict[str, str]:
    """Model id -> the label the picker shows (chat and image models)."""
    labels = {m.id: m.label for m in get_image_gateway().models()}
    labels.update({m.id: m.label for m in get_gateway().models()})
    return labels


def _views(session, user_id: str, rows: list[Message]) -> list[MessageView]:
    labels = model_labels()
    attached = files.files_of_messages(
        session=session, user_id=user_id, message_ids=[row.id for row in rows]
    )
    return [message_view(row, attached.get(row.id, []), labels) for row in rows]


def load_conversation(user_id: str, conversation_id: str, before_seq: int | None = None):
    """Title, the latest page of message views, whether earlier exist, and the model."""
    with session_scope() as session:
        conversation = chat.get_conversation(
            session=session, user_id=user_id, conversation_id=conversation_id
        )
        rows, has_more = chat.list_messages(
            session=session, user_id=user_id, conversation_id=conversation_id, before_seq=before_seq
        )
        return conversation.title, _views(session, user_id, rows), has_more, conversation.model


def prepare(action, **kwargs) -> replies.PreparedReply:
    """Run a `services.replies` action in its own transaction (committed on return)."""
    with session_scope() as session:
        prepared = action(session=session, **kwargs)
        session.flush()
        return prepared


def one_view(user_id: str, message_id: str) -> MessageView | None:
    """The current view of one message of this user, or None."""
    with session_scope() as session:
        try:
            row = chat.get_message(session=session, user_id=user_id, message_id=message_id)
        except NotFound:
            return None
        return _views(session, user_id, [row])[0]


def first_seq(user_id: str, message_id: str) -> int | None:
    """The position of a message in its conversation."""
    with session_scope() as session:
        try:
            return chat.get_message(session=session, user_id=user_id, message_id=message_id).seq
        except NotFound:
            return None


def remember_model(user_id: str, model_id: str) -> None:
    """Store the person's default model."""
    with session_scope() as session:
        chat.remember_model(session=session, user_id=user_id, model_id=model_id)
