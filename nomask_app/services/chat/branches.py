"""Versions of messages: "Regenerate" and "Edit" branch the conversation, < n/m > switches.

A conversation is a tree of messages (see `models.chat.Message`). Regenerating
adds a sibling of the last reply; editing a user message, any of them, adds a
sibling of that message and a new reply under it. The earlier versions stay,
with everything that followed them, and switching back to one shows its branch
again. The page and the model both see one path: the `on_path` messages.

Every function takes the owner's id: another user's ids are `NotFound`.
"""

from sqlalchemy import update
from sqlmodel import Session, col, select

from nomask_app.models import Message
from nomask_app.models.common import utcnow
from nomask_app.services.chat.conversations import (
    ON_PATH,
    Turn,
    check_text,
    get_conversation,
    get_message,
    new_reply,
    path_tail,
)
from nomask_app.services.common.errors import FieldErrors, NotFound

_BUSY = "Wait for the reply to finish, or stop it first."


def _siblings(session: Session, message: Message) -> list[Message]:
    """The versions of `message` (itself included), oldest first."""
    parent = (
        col(Message.parent_id).is_(None)
        if message.parent_id is None
        else Message.parent_id == message.parent_id
    )
    return list(
        session.exec(
            select(Message)
            .where(Message.conversation_id == message.conversation_id, parent)
            .order_by(col(Message.created_at), col(Message.id))
        )
    )


def _refuse_while_streaming(session: Session, conversation_id: str) -> None:
    streaming = session.exec(
        select(Message.id).where(
            Message.conversation_id == conversation_id, ON_PATH, Message.status == "streaming"
        )
    ).first()
    if streaming is not None:
        raise FieldErrors({"message": _BUSY})


def _leave_path(session: Session, conversation_id: str, from_seq: int) -> None:
    """Take the shown path's messages from `from_seq` on off the path (they stay stored)."""
    session.exec(
        update(Message)
        .where(Message.conversation_id == conversation_id, ON_PATH, Message.seq >= from_seq)
        .values(on_path=False)
    )


def _follow_chosen(session: Session, start: Message) -> None:
    """Put `start` and its chosen descendants on the path (the branch as last seen)."""
    node: Message | None = start
    while node is not None:
        node.on_path = True
        session.add(node)
        node = session.exec(
            select(Message).where(Message.parent_id == node.id, col(Message.chosen).is_(True))
        ).first()


def regenerate_last_reply(
    *, session: Session, user_id: str, conversation_id: str, model_id: str
) -> Turn:
    """Answer the last user message again; the earlier reply stays as a version.

    A failed reply with no text is replaced rather than kept: there is nothing
    in it to go back to.

    Raises:
        NotFound: foreign conversation.
        FieldErrors: nothing to regenerate, or a reply is still being written.
    """
    conversation = get_conversation(
        session=session, user_id=user_id, conversation_id=conversation_id
    )
    question = path_tail(session, conversation_id)
    if question is not None and question.role == "assistant":
        previous = question
        if previous.status == "streaming":
            raise FieldErrors({"message": _BUSY})
        question = session.get(Message, previous.parent_id) if previous.parent_id else None
        if previous.status == "failed" and not previous.content:
            session.delete(previous)
        else:
            previous.chosen = previous.on_path = False
            session.add(previous)
    if question is None or question.role != "user":
        raise FieldErrors({"message": "There is no message to answer."})
    conversation.updated_at = utcnow()
    conversation.model = model_id
    session.add(conversation)
    session.flush()
    reply = new_reply(session, conversation, model_id, question)
    session.flush()
    return Turn(conversation, question, reply)


def edit_user_message(
    *,
    session: Session,
    user_id: str,
    message_id: str,
    text: str,
    model_id: str,
    max_chars: int,
) -> Turn:
    """A new version of a shown user message, and an empty reply to it.

    What followed the earlier version stays in its branch. Attachments stay with
    the version they were sent with.

    Raises:
        FieldErrors: empty or too long text, not a shown user message, or a
            reply still being written.
        NotFound: a foreign message.
    """
    check_text(text, max_chars)
    original = get_message(session=session, user_id=user_id, message_id=message_id)
    if original.role != "user" or not original.on_path:
        raise FieldErrors({"message": "There is no message to edit."})
    conversation = get_conversation(
        session=session, user_id=user_id, conversation_id=original.conversation_id
    )
    _refuse_while_streaming(session, conversation.id)
    _leave_path(session, conversation.id, original.seq)
    original.chosen = False
    session.add(original)
    now = utcnow()
    edited = Message(
        conversation_id=conversation.id,
        user_id=user_id,
        seq=original.seq,
        parent_id=original.parent_id,
        role="user",
        content=text,
        created_at=now,
    )
    session.add(edited)
    conversation.updated_at = now
    conversation.model = model_id
    session.add(conversation)
    reply = new_reply(session, conversation, model_id, edited)
    session.flush()
    return Turn(conversation, edited, reply)


def switch_version(*, session: Session, user_id: str, message_id: str, step: int) -> str:
    """Show the previous (`step` -1) or next (+1) version of a shown message.

    The chosen version's branch becomes the path: what the page shows and
    what the next message's context is built from.

    Returns:
        The conversation's id.

    Raises:
        NotFound: a foreign message, or no version that way.
        FieldErrors: a reply is still being written.
    """
    message = get_message(session=session, user_id=user_id, message_id=message_id)
    if not message.on_path:
        raise NotFound(message_id)
    siblings = _siblings(session, message)
    place = next(i for i, item in enumerate(siblings) if item.id == message.id) + step
    if step not in (-1, 1) or not 0 <= place < len(siblings):
        raise NotFound(message_id)
    _refuse_while_streaming(session, message.conversation_id)
    _leave_path(session, message.conversation_id, message.seq)
    message.chosen = False
    session.add(message)
    target = siblings[place]
    target.chosen = True
    _follow_chosen(session, target)
    session.flush()
    return message.conversation_id


def version_positions(session: Session, messages: list[Message]) -> dict[str, tuple[int, int]]:
    """For each message that has other versions: (its position from 1, how many there are)."""
    if not messages:
        return {}
    parents = {m.parent_id for m in messages}
    known = [p for p in parents if p is not None]
    condition = col(Message.parent_id).in_(known)
    if None in parents:
        condition = condition | col(Message.parent_id).is_(None)
    rows = session.exec(
        select(Message.id, Message.parent_id)
        .where(Message.conversation_id == messages[0].conversation_id, condition)
        .order_by(col(Message.created_at), col(Message.id))
    ).all()
    groups: dict[str | None, list[str]] = {}
    for row in rows:
        groups.setdefault(row.parent_id, []).append(row.id)
    positions = {}
    for message in messages:
        group = groups.get(message.parent_id, [])
        if len(group) > 1 and message.id in group:
            positions[message.id] = (group.index(message.id) + 1, len(group))
    return positions
