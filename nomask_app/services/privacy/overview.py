"""The privacy center's view of a person's data (policy §5 "Access"): how much we hold.

The person's own security events (sign-ins with IP and device, changes,
exports, ...) come from `services/operations/audit.py`.
"""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from nomask_app.models import Conversation, Message, SecurityEvent, StoredFile, UserSession
from nomask_app.services.billing import subscriptions


@dataclass(frozen=True)
class DataSummary:
    """What we hold about a person, in numbers.

    Attributes:
        conversations: Conversations stored.
        messages: Messages in them (sent and received).
        files: Uploaded, generated and edited files.
        images: How many of those files are images.
        sessions: Browsers signed in (including expired ones not yet cleaned up).
        security_events: Security events recorded for the account.
        plan_name: The plan in force now.
        payment_status: Stripe's subscription status, or ``none``.
        billing_enabled: Whether billing is on at all.
    """

    conversations: int
    messages: int
    files: int
    images: int
    sessions: int
    security_events: int
    plan_name: str
    payment_status: str
    billing_enabled: bool


def _count(session: Session, model, *conditions) -> int:
    return session.exec(select(func.count()).select_from(model).where(*conditions)).one()


def data_summary(*, session: Session, user_id: str) -> DataSummary:
    """Counts of everything we hold about `user_id`, with plan and payment status."""
    status = subscriptions.billing_status(session=session, user_id=user_id)
    return DataSummary(
        conversations=_count(session, Conversation, Conversation.user_id == user_id),
        messages=_count(session, Message, Message.user_id == user_id),
        files=_count(session, StoredFile, StoredFile.user_id == user_id),
        images=_count(
            session,
            StoredFile,
            StoredFile.user_id == user_id,
            col(StoredFile.content_type).startswith("image/"),
        ),
        sessions=_count(session, UserSession, UserSession.user_id == user_id),
        security_events=_count(session, SecurityEvent, SecurityEvent.user_id == user_id),
        plan_name=status.plan.name,
        payment_status=status.status,
        billing_enabled=status.enabled,
    )
