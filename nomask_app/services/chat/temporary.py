"""Temporary chats: never kept past the signed-in session that opened them.

A temporary conversation is an ordinary conversation row that carries the id
of the browser session it was opened in (`Conversation.temporary_session_id`),
so streaming, Stop and a reload work as for any other. It is left out of the
conversation list, search and the data export. It is deleted, with its
messages and files, when the person leaves it, when they sign out, when the
session ends any other way (revoked or expired: the privacy sweep), and at the
latest `TEMPORARY_KEPT` after its last message, for a tab that was just closed.
"""

from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from nomask_app.models import Conversation, UserSession
from nomask_app.services.accounts.sessions import hash_token
from nomask_app.services.chat import conversations

TEMPORARY_KEPT = timedelta(hours=24)


def session_id_for(*, session: Session, token: str | None) -> str | None:
    """The id of the signed-in session behind a cookie token, or None."""
    if not token:
        return None
    return session.exec(
        select(UserSession.id).where(UserSession.token_hash == hash_token(token))
    ).first()


def discard(*, session: Session, user_id: str, conversation_id: str) -> list[str]:
    """Delete `conversation_id` if it is a temporary chat of `user_id`; never a saved one.

    Returns:
        Storage keys whose bytes the caller removes once the transaction commits.
    """
    found = session.exec(
        select(Conversation.id).where(
            Conversation.id == conversation_id,
            Conversation.user_id == user_id,
            col(Conversation.temporary_session_id).is_not(None),
        )
    ).all()
    return conversations.remove_conversations(session=session, conversation_ids=list(found))


def discard_for_session(*, session: Session, session_id: str) -> list[str]:
    """Delete every temporary chat opened in one signed-in session (at sign-out).

    Returns:
        Storage keys whose bytes the caller removes once the transaction commits.
    """
    found = session.exec(
        select(Conversation.id).where(Conversation.temporary_session_id == session_id)
    ).all()
    return conversations.remove_conversations(session=session, conversation_ids=list(found))


def discard_for_user(*, session: Session, user_id: str) -> list[str]:
    """Delete every temporary chat of `user_id` (signed out everywhere).

    Returns:
        Storage keys whose bytes the caller removes once the transaction commits.
    """
    found = session.exec(conversations.temporary_ids(user_id)).all()
    return conversations.remove_conversations(session=session, conversation_ids=list(found))


def purge_ended(*, session: Session, now: datetime) -> tuple[int, list[str]]:
    """Delete temporary chats whose session ended, or untouched for `TEMPORARY_KEPT`.

    Returns:
        How many went, and the storage keys whose bytes the caller removes once
        the transaction commits.
    """
    live = select(UserSession.id).where(UserSession.expires_at > now)
    found = session.exec(
        select(Conversation.id).where(
            col(Conversation.temporary_session_id).is_not(None),
            or_(
                col(Conversation.temporary_session_id).not_in(live),
                Conversation.updated_at < now - TEMPORARY_KEPT,
            ),
        )
    ).all()
    keys = conversations.remove_conversations(session=session, conversation_ids=list(found))
    return len(found), keys
