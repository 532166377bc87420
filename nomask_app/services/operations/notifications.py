"""Messages to many people: policy updates (policy §9) and product news.

Policy updates go to every account: they are service messages. Product
updates go only to people who switched them on, with a signed one-click
unsubscribe link that works without signing in.
"""

from datetime import datetime

from sqlmodel import Session, col, func, select

from nomask_app.models import AccountDeletion, User
from nomask_app.services.accounts.profile import set_product_updates
from nomask_app.services.operations import audit, emails, signing
from nomask_app.services.operations.delivery import send_after_commit
from nomask_app.services.privacy.policy import PolicyVersion

UNSUBSCRIBE_PATH = "/api/email/unsubscribe"
_UNSUBSCRIBE = "unsubscribe"


def announce_policy_update(*, session: Session, policy: PolicyVersion) -> int:
    """Email every account that the privacy policy changed.

    The messages leave when the caller's transaction commits.

    Args:
        session: The database session (the caller commits).
        policy: The new version.

    Returns:
        How many messages were queued.
    """
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


def _product_update_audience():
    """Accounts that opted in, with a confirmed address, and not being deleted."""
    return select(User).where(
        User.product_updates == True,  # noqa: E712
        col(User.email_verified_at).is_not(None),
        col(User.id).not_in(select(AccountDeletion.user_id)),
    )


def product_update_audience_size(*, session: Session) -> int:
    """How many accounts a product update would reach now (for a dry run)."""
    audience = _product_update_audience().subquery()
    return session.exec(select(func.count()).select_from(audience)).one()


def send_product_update(*, session: Session, subject: str, text: str, sent_by: str) -> int:
    """Email news to everyone who switched "Product updates and tips" on.

    Only confirmed addresses receive it, each message with its own signed
    one-click unsubscribe link; the sending is recorded in the audit trail.
    The messages leave when the caller's transaction commits.

    Args:
        session: The database session (the caller commits).
        subject: The subject line.
        text: The plain-text body.
        sent_by: Who sent it, for the audit trail (e.g. "command line").

    Returns:
        How many messages were queued.
    """
    count = 0
    for user in session.exec(_product_update_audience().execution_options(yield_per=500)):
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
    audit.record_event(
        session=session,
        kind=audit.PRODUCT_UPDATE_SENT,
        subject=subject[:200],
        recipients=count,
        by=sent_by,
    )
    return count


def valid_unsubscribe_link(user_id: str, signature: str) -> bool:
    """Whether an unsubscribe link is one we signed (nothing changes)."""
    return bool(user_id) and len(user_id) <= 64 and signing.verify(_UNSUBSCRIBE, user_id, signature)


def unsubscribe(*, session: Session, user_id: str, signature: str) -> bool:
    """Switch product updates off through a signed link.

    Returns:
        Whether the link was valid (a valid link for an already unsubscribed
        or deleted account is still a success: the person gets no news).
    """
    if not valid_unsubscribe_link(user_id, signature):
        return False
    if session.get(User, user_id) is not None:
        set_product_updates(session=session, user_id=user_id, enabled=False, via_link=True)
    return True
