"""Retention that people choose: delete conversations nobody touched for a while.

Policy §1.2 keeps conversations "until you delete them": that stays the
default (``Never``). In the privacy center a person may choose to have
conversations deleted automatically once untouched (no new message) for
30, 90 or 365 days. Reading a conversation does not count as touching it.

A new or shorter choice deletes nothing for `GRACE` (a day to change one's
mind); the privacy sweep then deletes what is due, with its messages and
files, and records one security event per conversation (its id only, never
the title).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, func, select

from nomask_app.models import Conversation, User
from nomask_app.models.common import utcnow
from nomask_app.services.chat import conversations
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.operations import audit

# Days -> what the privacy center's select says (0: never).
CHOICES: dict[int, str] = {
    0: "Never",
    30: "After 30 days",
    90: "After 90 days",
    365: "After 365 days",
}
GRACE = timedelta(hours=24)
FIELD = "auto_delete"


def _user(session: Session, user_id: str) -> User:
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise NotFound("user")
    return user


def set_auto_delete(*, session: Session, user_id: str, days: int, **context: str) -> User:
    """Record a person's choice (one of `CHOICES`) and an event saying so.

    Args:
        session: Database session (the caller commits).
        user_id: Whose choice.
        days: 0, 30, 90 or 365.
        context: ``ip_address`` and ``user_agent`` for the security event.

    Raises:
        FieldErrors: any other value (key ``auto_delete``); nothing changes.
        NotFound: no such account.
    """
    if isinstance(days, bool) or not isinstance(days, int) or days not in CHOICES:
        raise FieldErrors({FIELD: "Choose Never, or after 30, 90 or 365 days."})
    user = _user(session, user_id)
    if user.auto_delete_days != days:
        user.auto_delete_days, user.auto_delete_since = days, utcnow()
        user.updated_at = utcnow()
        session.add(user)
        audit.record_event(
            session=session, kind=audit.AUTO_DELETE_CHANGED, user_id=user.id, days=days, **context
        )
    return user


@dataclass(frozen=True)
class Preview:
    """The current choice and what it will delete next."""

    days: int
    label: str
    next_title: str  # "" when nothing is waiting
    next_at: datetime | None
    more_then: int  # further conversations deleted at the same time


def preview(*, session: Session, user_id: str, now: datetime | None = None) -> Preview:
    """What the choice means for this person's conversations now."""
    user = _user(session, user_id)
    days = user.auto_delete_days
    if days == 0:
        return Preview(0, CHOICES[0], "", None, 0)
    oldest = session.exec(
        select(Conversation.title, Conversation.updated_at)
        .where(Conversation.user_id == user.id)
        .order_by(col(Conversation.updated_at), col(Conversation.id))
        .limit(1)
    ).first()
    if oldest is None:
        return Preview(days, CHOICES[days], "", None, 0)
    starts = (user.auto_delete_since or utcnow()) + GRACE
    next_at = max(oldest.updated_at + timedelta(days=days), starts, now or utcnow())
    due_then = session.exec(
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.user_id == user.id,
            Conversation.updated_at < next_at - timedelta(days=days),
        )
    ).one()
    return Preview(days, CHOICES[days], oldest.title, next_at, max(0, due_then - 1))


def delete_due(*, session: Session, now: datetime, limit: int = 200) -> tuple[int, list[str]]:
    """Delete up to `limit` conversations whose owner's choice makes them due.

    Returns:
        How many were deleted, and the storage keys to remove once the caller
        committed.
    """
    due: list[tuple[str, str, int]] = []
    for days in (30, 90, 365):  # one plain comparison per choice: any database can do it
        due += session.exec(
            select(Conversation.id, Conversation.user_id, User.auto_delete_days)
            .join(User, col(User.id) == col(Conversation.user_id))
            .where(
                User.auto_delete_days == days,
                col(User.auto_delete_since) < now - GRACE,
                Conversation.updated_at < now - timedelta(days=days),
            )
            .limit(limit - len(due))
        ).all()
        if len(due) >= limit:
            break
    keys: list[str] = []
    for conversation_id, user_id, days in due:
        keys += conversations.delete_conversation(
            session=session, user_id=user_id, conversation_id=conversation_id
        )
        audit.record_event(
            session=session,
            kind=audit.CONVERSATION_AUTO_DELETED,
            user_id=user_id,
            conversation_id=conversation_id,
            days=days,
        )
    return len(due), keys
