"""A reply's life while it is written: saved progress, "Stop" from any worker, its end.

The reply job (services/chat/generation.py) calls these; a reply is saved at least
once a second, so a page reloaded mid-reply (or another worker) finds its text.
"""

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from nomask_app.models import Message
from nomask_app.models.common import utcnow


def save_progress(*, session: Session, message_id: str, content: str) -> None:
    """Persist the reply written so far (called at least once a second while streaming)."""
    session.exec(
        update(Message)
        .where(Message.id == message_id, Message.status == "streaming")
        .values(content=content, updated_at=utcnow())
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


def stop_requested(*, session: Session, message_id: str) -> bool:
    """Whether "Stop" was pressed for this reply in another process."""
    flag = session.exec(select(Message.stop_requested).where(Message.id == message_id)).first()
    return bool(flag)


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
