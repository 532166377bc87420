"""A reply's life while it is written: saved progress, "Stop" from any worker, its end.

The reply job (services/chat/generation.py) calls these; a reply is saved at least
once a second, so a page reloaded mid-reply (or another worker) finds its text.
"""

from datetime import datetime

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from nomask_app.models import Message
from nomask_app.models.common import utcnow


def save_progress(*, session: Session, progress: dict[str, str]) -> None:
    """Persist the replies written so far, by message id (at least once a second while streaming).

    One statement for all of them (executemany), so a worker writing many
    replies pays one transaction a second, not one per reply. It bypasses the
    session's objects: a `Message` already loaded in `session` keeps its old
    content until refreshed.
    """
    if not progress:
        return
    table = Message.__table__
    session.connection().execute(
        update(table)
        .where(table.c.id == bindparam("message_id"), table.c.status == "streaming")
        .values(content=bindparam("text"), updated_at=utcnow()),
        [{"message_id": key, "text": text} for key, text in progress.items()],
    )


def request_stop(*, session: Session, user_id: str, message_id: str) -> bool:
    """Ask whichever process writes this reply to stop it (owner only).

    Returns:
        True if the reply was still being written.
    """
    result = session.exec(
        update(Message)
        .where(
            Message.id == message_id,
            Message.user_id == user_id,
            Message.status == "streaming",
        )
        .values(stop_requested=True)
    )
    return bool(result.rowcount)


def stops_requested(*, session: Session, message_ids: list[str]) -> set[str]:
    """Which of these replies had "Stop" pressed in another process."""
    if not message_ids:
        return set()
    query = select(Message.id).where(Message.id.in_(message_ids), Message.stop_requested)
    return set(session.exec(query).all())


def keep_up(*, session: Session, progress: dict[str, str], running: list[str]) -> set[str]:
    """A worker's round for its replies: save what grew, and say which were asked to stop.

    Args:
        session: The database session (committed by the caller).
        progress: The text so far of each reply that grew since its last save.
        running: Every reply the worker is writing.

    Returns:
        The ids of the running replies that had "Stop" pressed elsewhere.
    """
    save_progress(session=session, progress=progress)
    return stops_requested(session=session, message_ids=running)


def finish_reply(
    *,
    session: Session,
    message_id: str,
    content: str,
    status: str,
    error: str = "",
    served_model: str = "",
    deployment: str = "",
    provider: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    cost_usd: float = 0.0,
    context_dropped: int = 0,
) -> Message | None:
    """Store the final text, status and usage of a reply.

    `served_model` is the public id of the model that answered (a fallback's
    when the picked model failed); the reply is credited to it.
    """
    message = session.get(Message, message_id)
    if message is None:  # deleted while it was being written
        return None
    if served_model:
        message.model = served_model
    message.content = content
    message.status = status
    message.error = error[:500]
    message.deployment = deployment
    message.provider = provider
    message.prompt_tokens = prompt_tokens
    message.completion_tokens = completion_tokens
    message.cost_usd = cost_usd
    message.context_dropped = context_dropped
    message.updated_at = utcnow()
    session.add(message)
    return message


def mark_interrupted(*, session: Session, stale_before: datetime) -> int:
    """Mark replies that stopped growing before `stale_before` as failed.

    A reply is saved at least once a second while it streams, so one that has
    not changed for a while lost its worker (a crash or restart).
    """
    result = session.exec(
        update(Message)
        .where(Message.status == "streaming", Message.updated_at < stale_before)
        .values(
            status="failed",
            error="The reply was interrupted by a server restart. Retry to get a full answer.",
            updated_at=utcnow(),
        )
    )
    return result.rowcount or 0
