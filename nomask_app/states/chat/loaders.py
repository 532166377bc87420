"""Blocking work behind the chat state, run in worker threads (database, catalogue)."""

from collections.abc import Callable
from typing import NamedTuple, TypeVar

from sqlmodel import Session

from nomask_app.db import get_engine, session_scope
from nomask_app.integrations.llm import get_gateway
from nomask_app.integrations.llm_images import get_image_gateway
from nomask_app.models import Message, User
from nomask_app.models.common import new_id, utcnow
from nomask_app.services.accounts.sessions import create_session, resolve_session
from nomask_app.services.billing.quotas import QuotaExceeded
from nomask_app.services.chat import branches, conversations, replies
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import files
from nomask_app.services.operations import ratelimit
from nomask_app.states.chat.views import MessageView, message_view

T = TypeVar("T")


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
    positions = branches.version_positions(session, rows)
    return [
        message_view(row, attached.get(row.id, []), labels, positions.get(row.id, (0, 0)))
        for row in rows
    ]


class LoadedConversation(NamedTuple):
    """One page of a conversation as the chat page shows it."""

    title: str
    views: list[MessageView]
    has_more: bool  # earlier messages exist
    model: str | None  # the model its last reply used
    temporary: bool  # a temporary chat (never listed, discarded when left)


def load_conversation(
    user_id: str, conversation_id: str, before_seq: int | None = None
) -> LoadedConversation:
    """The latest page of one of the person's conversations (or the page before `before_seq`).

    Raises:
        NotFound: no such conversation of this person.
    """
    with session_scope() as session:
        return _loaded(session, user_id, conversation_id, before_seq)


def opened_conversation(
    token: str | None, conversation_id: str
) -> tuple[User | None, LoadedConversation | None]:
    """Who asks (by session cookie) and the latest page of their conversation.

    One transaction and one trip to a worker thread for a page open.

    Returns:
        (None, None) for no valid session; else the user and the page, or None
        when there is no such conversation of theirs.
    """
    return _as_user(token, lambda session, user: _loaded(session, user.id, conversation_id))


def _loaded(
    session, user_id: str, conversation_id: str, before_seq: int | None = None
) -> LoadedConversation:
    conversation = conversations.get_conversation(
        session=session, user_id=user_id, conversation_id=conversation_id
    )
    rows, has_more = conversations.list_messages(
        session=session, user_id=user_id, conversation_id=conversation_id, before_seq=before_seq
    )
    return LoadedConversation(
        title=conversation.title,
        views=_views(session, user_id, rows),
        has_more=has_more,
        model=conversation.model,
        temporary=bool(conversation.temporary_session_id),
    )


# Why a send can be refused; the person is told, and nothing of the turn is stored.
REFUSALS = (ratelimit.RateLimited, FieldErrors, QuotaExceeded, NotFound)


def begin_turn(
    token: str | None, ip: str, action, **kwargs
) -> tuple[User | None, replies.PreparedReply | Exception | None]:
    """Who sends (by session cookie), their send limit, and the stored turn, in one transaction.

    One transaction and one trip to a worker thread: each of them delays the
    provider call, and so the reply's first word. The turn is committed when
    this returns, before any provider is called.

    Args:
        token: The session cookie's token.
        ip: The sender's address (for the rate limit).
        action: A `services.chat.replies` action (start_turn, regenerate, edit_and_resend).
        **kwargs: The action's own arguments, besides the session and the user; with
            ``temporary=True``, start_turn opens a temporary chat of this session.

    Returns:
        (None, None) for no valid session; else the user and either the prepared
        reply or why the send was refused (a refused turn is rolled back, while
        the session's own upkeep, such as its last-seen time, is kept).
    """
    with session_scope() as session:
        return _turn(session, token, ip, action, kwargs)


def _turn(session: Session, token: str | None, ip: str, action, kwargs: dict):
    """`begin_turn`'s work in an open transaction (the rehearsal runs it too)."""
    resolved = resolve_session(session=session, token=token)
    if resolved is None:
        return None, None
    user = resolved[0]
    if kwargs.pop("temporary", False):  # a new temporary chat lives in this session
        kwargs["temporary_session_id"] = resolved[1].id
    try:
        ratelimit.hit(ratelimit.CHAT_SEND, user=user.id, ip=ip)
        with session.begin_nested():
            prepared = action(session=session, user_id=user.id, **kwargs)
        return user, prepared
    except REFUSALS as refusal:
        return user, refusal


def rehearse_turns() -> None:
    """Store a new chat's first message and a follow-up once, then roll all of it back.

    Run when a worker starts. SQLAlchemy compiles each statement the first
    time a process runs it: a worker's first message took ~18 ms longer to
    store than later ones, and its reply's first word waited for that. Nothing
    of the rehearsal stays: its account, session and conversation are rolled
    back, and its rate-limit counters belong to an id nobody has (they expire
    with their windows).
    """
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            user = User(
                email=f"rehearsal-{new_id()}@example.invalid",
                name="Rehearsal",
                password_hash="!",  # not a bcrypt hash: nothing matches  # noqa: S106  # nosec B106
                age_confirmed_at=utcnow(),
                activated_at=utcnow(),
            )
            session.add(user)
            session.flush()
            _row, token = create_session(session=session, user_id=user.id)
            session.flush()
            sent: dict = {"conversation_id": None}
            for _ in range(2):  # a new chat's first message, then one that follows it
                _user, prepared = _turn(
                    session, token, "", replies.start_turn, {**sent, "text": "Hi", "model_id": ""}
                )
                if not isinstance(prepared, replies.PreparedReply):
                    break
                sent["conversation_id"] = prepared.turn.conversation.id
                session.expunge_all()  # a follow-up comes in a new session: it loads the chat
        finally:
            session.rollback()


def finished_view(token: str | None, message_id: str) -> tuple[User | None, MessageView | None]:
    """Who asks (by session cookie) and the current view of one of their messages.

    One transaction and one trip to a worker thread, like `begin_turn`.

    Returns:
        (None, None) for no valid session; else the user and the view, or None
        when the message is not theirs (or is gone).
    """

    def view(session, user: User) -> MessageView:
        row = conversations.get_message(session=session, user_id=user.id, message_id=message_id)
        return _views(session, user.id, [row])[0]

    return _as_user(token, view)


def _as_user(token: str | None, read: Callable[[Session, User], T]) -> tuple[User | None, T | None]:
    """Resolve the session and `read` what the user asked for, in one transaction.

    Returns:
        (None, None) for no valid session; (user, None) when `read` finds
        nothing of theirs (NotFound); else (user, what `read` returned).
    """
    with session_scope() as session:
        resolved = resolve_session(session=session, token=token)
        if resolved is None:
            return None, None
        user = resolved[0]
        try:
            return user, read(session, user)
        except NotFound:
            return user, None


def first_seq(user_id: str, message_id: str) -> int | None:
    """The position of a message in its conversation."""
    with session_scope() as session:
        try:
            return conversations.get_message(
                session=session, user_id=user_id, message_id=message_id
            ).seq
        except NotFound:
            return None


def switch_version(user_id: str, message_id: str, step: int) -> str | None:
    """Show another version of a message; the conversation's id, or None if refused."""
    with session_scope() as session:
        try:
            return branches.switch_version(
                session=session, user_id=user_id, message_id=message_id, step=step
            )
        except (NotFound, FieldErrors):
            return None


def remember_model(user_id: str, model_id: str) -> None:
    """Store the person's default model."""
    with session_scope() as session:
        conversations.remember_model(session=session, user_id=user_id, model_id=model_id)
