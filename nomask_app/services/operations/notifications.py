"""Messages to many people: policy updates (policy §9) and product news.

Policy updates go to every account: they are service messages. Product
updates go only to people who switched them on, with a signed one-click
unsubscribe link that works without signing in.
"""

from datetime import datetime

from sqlmodel import Session, select

from nomask_app.models import User
from nomask_app.services.accounts.profile import set_product_updates
from nomask_app.services.operations import emails, signing
from nomask_app.services.operations.delivery import send_after_commit
from nomask_app.services.privacy.policy import PolicyVersion, current_policy

UNSUBSCRIBE_PATH = "/api/email/unsubscribe"
_UNSUBSCRIBE = "unsubscribe"


def announce_policy_update(*, session: Session, policy: PolicyVersion | None = None) -> int:
    """Email every account that the privacy policy changed.

    The messages leave when the caller's transaction commits.

    Args:
        session: The database session (the caller commits).
        policy: The new version; the current one by default.

    Returns:
        How many messages were queued.
    """
    policy = policy or current_policy()
    count = 0
    for user in session.exec(select(User).execution_options(yield_per=500)):
        send_after_commit(
            session,
            emails.policy_updated(to=user.email, name=user.name, policy=policy),
            account_id=user.id,
        )
        count += 1
    return count


def export_ready(*, session: Session, user_id: str, expires_at: datetime) -> bool:
    """Tell a person their data export is ready (after the caller commits).

    Returns:
        Whether a message was queued (False when the account is gone).
    """
    user = session.get(User, user_id)
    if user is None:
        return False
    send_after_commit(
        session,
        emails.export_ready(to=user.email, name=user.name, expires_at=expires_at),
        account_id=user.id,
    )
    return True


def unsubscribe_url(user_id: str) -> str:
    """The signed one-click unsubscribe link for one person."""
    signature = signing.sign(_UNSUBSCRIBE, user_id)
    return emails.app_link(UNSUBSCRIBE_PATH, user=user_id, sig=signature)


def send_product_update(*, session: Session, subject: str, text: str) -> int:
    """Email news to everyone who switched "Product updates and tips" on.

    Returns:
        How many messages were queued.
    """
    count = 0
    subscribers = select(User).where(User.product_updates == True)  # noqa: E712
    for user in session.exec(subscribers.execution_options(yield_per=500)):
        send_after_commit(
            session,
            emails.product_update(
                to=user.email,
                name=user.name,
                subject=subject,
                text=text,
                unsubscribe_url=unsubscribe_url(user.id),
            ),
            account_id=user.id,
        )
        count += 1
    return count


def unsubscribe(*, session: Session, user_id: str, signature: str) -> bool:
    """Switch product updates off through a signed link.

    Returns:
        Whether the link was valid (a valid link for an already unsubscribed
        or deleted account is still a success: the person gets no news).
    """
    if not user_id or len(user_id) > 64 or not signing.verify(_UNSUBSCRIBE, user_id, signature):
        return False
    if session.get(User, user_id) is not None:
        set_product_updates(session=session, user_id=user_id, enabled=False, via_link=True)
    return True
