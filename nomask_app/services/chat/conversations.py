"""Conversations and messages (policy §1.2: stored until the user deletes them).

Every function takes the owner's id and filters by it: another user's ids are
`NotFound`, never "forbidden", so nothing reveals that they exist.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete
from sqlmodel import Session, col, select

from nomask_app.models import Conversation, Message, StoredFile, User
from nomask_app.models.common import utcnow
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.common.text import clean_text, strip_unsafe, without_unsafe
from nomask_app.services.images import files

# The messages of the one path the page shows and a model sees (see `Message`).
ON_PATH = col(Message.on_path).is_(True)
PAGE_SIZE = 50
TITLE_MAX = 200
_AUTO_TITLE_WORDS = 8
_AUTO_TITLE_CHARS = 60
UNTITLED = "New chat"
# Markdown a title leaves out: [text](url) and ![alt](url) keep their text;
# heading, quote and list markers at the start; emphasis and code marks.
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_LINE_START = re.compile(r"^\s*(?:(?:#{1,6}|>+|[-*+]|\d{1,9}[.)])\s+)*")
_MD_MARKS = re.compile(r"[*`~#]+|(?<!\w)_+|_+(?!\w)")


@dataclass(frozen=True)
class Turn:
    """A user message and the assistant reply that is about to be generated."""

    conversation: Conversation
    user_message: Message
    reply: Message


def auto_title(text: str) -> str:
    """A local title: the first line of `text` without Markdown, its first words.

    Headings, emphasis, code marks, quote and list markers go; a link or an
    image keeps its text. Also the fallback when a model gives no title.
    """
    line = next((part for part in without_unsafe(text).splitlines() if part.strip()), "")
    line = _MD_LINK.sub(r"\1", line)
    line = _MD_LINE_START.sub("", line)
    line = _MD_MARKS.sub("", line)
    words = strip_unsafe(line).split(" ")[:_AUTO_TITLE_WORDS]
    title = " ".join(words)
    if len(title) > _AUTO_TITLE_CHARS:
        title = title[: _AUTO_TITLE_CHARS - 1].rstrip() + "…"
    return title or UNTITLED


def saved(user_id: str) -> ColumnElement[bool]:
    """The condition for the conversations of `user_id` that are kept (not temporary)."""
    return (col(Conversation.user_id) == user_id) & col(Conversation.temporary_session_id).is_(None)


def temporary_ids(user_id: str) -> Select:
    """A subquery of the ids of `user_id`'s temporary conversations."""
    return select(Conversation.id).where(
        Conversation.user_id == user_id, col(Conversation.temporary_session_id).is_not(None)
    )


def get_conversation(*, session: Session, user_id: str, conversation_id: str) -> Conversation:
    """The conversation if it belongs to `user_id`.

    Raises:
        NotFound: no such conversation, or someone else's.
    """
    conversation = session.get(Conversation, conversation_id) if conversation_id else None
    if conversation is None or conversation.user_id != user_id:
        raise NotFound(conversation_id)
    return conversation


def get_message(*, session: Session, user_id: str, message_id: str) -> Message:
    """The message if it belongs to `user_id` (NotFound otherwise)."""
    message = session.get(Message, message_id) if message_id else None
    if message is None or message.user_id != user_id:
        raise NotFound(message_id)
    return message


def list_conversations(
    *,
    session: Session,
    user_id: str,
    before: tuple[datetime, str] | None = None,
    limit: int = PAGE_SIZE,
) -> list[Conversation]:
    """Saved conversations, most recent first (temporary chats are not listed).

    Pass the last (updated_at, id) seen to get the next page.
    """
    query = select(Conversation).where(saved(user_id))
    if before is not None:
        updated_at, conversation_id = before
        query = query.where(
            (Conversation.updated_at < updated_at)
            | ((Conversation.updated_at == updated_at) & (Conversation.id < conversation_id))
        )
    query = query.order_by(col(Conversation.updated_at).desc(), col(Conversation.id).desc())
    return list(session.exec(query.limit(limit)))


def list_messages(
    *,
    session: Session,
    user_id: str,
    conversation_id: str,
    before_seq: int | None = None,
    limit: int = PAGE_SIZE,
) -> tuple[list[Message], bool]:
    """The latest `limit` messages of the shown path (oldest first), and whether earlier exist."""
    get_conversation(session=session, user_id=user_id, conversation_id=conversation_id)
    query = select(Message).where(Message.conversation_id == conversation_id, ON_PATH)
    if before_seq is not None:
        query = query.where(Message.seq < before_seq)
    rows = list(session.exec(query.order_by(col(Message.seq).desc()).limit(limit + 1)))
    has_more = len(rows) > limit
    return list(reversed(rows[:limit])), has_more


def rename_conversation(
    *, session: Session, user_id: str, conversation_id: str, title: str
) -> Conversation:
    """Give a conversation a title of the person's own.

    Raises:
        FieldErrors: empty, too long or with unsafe characters (key "title").
    """
    conversation = get_conversation(
        session=session, user_id=user_id, conversation_id=conversation_id
    )
    cleaned, problem = clean_text(
        title, what="A title", max_len=TITLE_MAX, empty_message="Enter a title."
    )
    if problem:
        raise FieldErrors({"title": problem})
    conversation.title = cleaned
    conversation.title_is_auto = False
    session.add(conversation)
    return conversation


def _storage_keys(session: Session, *conditions) -> list[str]:
    # Files and their thumbnails: both go from disk once the deletion commits.
    return files.stored_keys(session=session, conditions=conditions)


def delete_conversation(*, session: Session, user_id: str, conversation_id: str) -> list[str]:
    """Delete a conversation with its messages and files.

    Returns:
        Storage keys whose bytes the caller removes once the transaction commits.
    """
    get_conversation(session=session, user_id=user_id, conversation_id=conversation_id)
    return remove_conversations(session=session, conversation_ids=[conversation_id])


def remove_conversations(*, session: Session, conversation_ids: list[str]) -> list[str]:
    """Delete conversations by id, with their messages and files (no owner check).

    For callers that selected the ids by owner themselves.

    Returns:
        Storage keys whose bytes the caller removes once the transaction commits.
    """
    if not conversation_ids:
        return []
    in_them = col(StoredFile.conversation_id).in_(conversation_ids)
    keys = _storage_keys(session, in_them)
    session.exec(delete(StoredFile).where(in_them))
    session.exec(delete(Message).where(col(Message.conversation_id).in_(conversation_ids)))
    session.exec(delete(Conversation).where(col(Conversation.id).in_(conversation_ids)))
    return keys


def delete_all_conversations(*, session: Session, user_id: str) -> list[str]:
    """Delete every conversation of a user, with messages and conversation files.

    Returns:
        Storage keys whose bytes the caller removes once the transaction commits.
    """
    in_conversation = col(StoredFile.conversation_id).is_not(None)
    keys = _storage_keys(session, StoredFile.user_id == user_id, in_conversation)
    session.exec(delete(StoredFile).where(StoredFile.user_id == user_id, in_conversation))
    session.exec(delete(Message).where(Message.user_id == user_id))
    session.exec(delete(Conversation).where(Conversation.user_id == user_id))
    return keys


def path_tail(session: Session, conversation_id: str) -> Message | None:
    """The last message of the path the conversation shows (None when it is empty)."""
    return session.exec(
        select(Message)
        .where(Message.conversation_id == conversation_id, ON_PATH)
        .order_by(col(Message.seq).desc())
        .limit(1)
    ).first()


def new_reply(
    session: Session, conversation: Conversation, model_id: str, parent: Message
) -> Message:
    """An empty reply to `parent`, on the shown path, for a reply job to fill."""
    reply = Message(
        conversation_id=conversation.id,
        user_id=conversation.user_id,
        seq=parent.seq + 1,
        parent_id=parent.id,
        role="assistant",
        status="streaming",
        model=model_id,
    )
    session.add(reply)
    return reply


def add_message(
    *, session: Session, conversation: Conversation, role: str, content: str, model: str = ""
) -> Message:
    """Append a finished message to a conversation that was already owner-checked.

    For messages that need no reply job: an image shared from the studio, or
    an image the chat asked for ("/image ...") and its answer.
    """
    now = utcnow()
    tail = path_tail(session, conversation.id)
    message = Message(
        conversation_id=conversation.id,
        user_id=conversation.user_id,
        seq=tail.seq + 1 if tail else 1,
        parent_id=tail.id if tail else None,
        role=role,
        content=content,
        model=model,
        created_at=now,
        updated_at=now,
    )
    conversation.updated_at = now
    session.add(conversation)
    session.add(message)
    session.flush()
    return message


def check_text(text: str, max_chars: int) -> str:
    """The text of a message to send, if it is not empty and within `max_chars`.

    Raises:
        FieldErrors: empty or too long (key "message").
    """
    if not text.strip():
        raise FieldErrors({"message": "Type a message first."})
    if len(text) > max_chars:
        raise FieldErrors(
            {
                "message": f"Your message is {len(text):,} characters long; the limit is "
                f"{max_chars:,}. Shorten it or attach it as a text file."
            }
        )
    return text


def post_user_message(
    *,
    session: Session,
    user_id: str,
    conversation_id: str | None,
    text: str,
    model_id: str,
    max_chars: int,
    attachment_ids: tuple[str, ...] = (),
    temporary_session_id: str | None = None,
) -> Turn:
    """Store a user message (creating the conversation if needed) and an empty reply.

    The caller commits before any provider is called, so the message is safe
    whatever happens next. A new conversation opened with
    `temporary_session_id` is a temporary chat of that signed-in session.

    Raises:
        FieldErrors: empty or too long (key "message").
        NotFound: a foreign conversation or attachment.
    """
    check_text(text, max_chars)
    now = utcnow()
    tail = None
    if conversation_id:
        conversation = get_conversation(
            session=session, user_id=user_id, conversation_id=conversation_id
        )
        tail = path_tail(session, conversation.id)
    else:  # a new conversation: nothing to look up, one round of inserts
        conversation = Conversation(
            user_id=user_id,
            title=auto_title(text),
            created_at=now,
            temporary_session_id=temporary_session_id,
        )
    conversation.updated_at = now
    conversation.model = model_id
    session.add(conversation)
    message = Message(
        conversation_id=conversation.id,
        user_id=user_id,
        seq=tail.seq + 1 if tail else 1,
        parent_id=tail.id if tail else None,
        role="user",
        content=text,
        created_at=now,
    )
    session.add(message)
    for file_id in attachment_ids:
        attached = session.get(StoredFile, file_id)
        if attached is None or attached.user_id != user_id:
            raise NotFound(file_id)
        attached.conversation_id = conversation.id
        attached.message_id = message.id
        session.add(attached)
    reply = new_reply(session, conversation, model_id, message)
    session.flush()
    return Turn(conversation, message, reply)


def remember_model(*, session: Session, user_id: str, model_id: str) -> None:
    """Make `model_id` the person's default model for new chats."""
    user = session.get(User, user_id)
    if user is not None:
        user.default_model = model_id[:200]
        session.add(user)
