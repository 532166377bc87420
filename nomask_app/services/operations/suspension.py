"""Suspending an account, and lifting it: admins only, always with a reason the owner reads.

A suspended account keeps all its data but cannot sign in: every browser is
signed out at once, sign-in is refused after the password (so nobody learns
of a suspension without the password), and sessions of a suspended account
do not resolve. The owner is emailed the reason, and sees it among their
security events in the privacy center.
"""

from sqlmodel import Session

from nomask_app.models import User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.devices import revoke_all_sessions
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.operations import audit, emails
from nomask_app.services.operations.admin import check_reason, is_admin, require_admin
from nomask_app.services.operations.delivery import send_after_commit

SUSPENDED_MESSAGE = (
    "This account is suspended. We emailed you the reason; write to "
    f"{emails.CONTACT} if you think this is a mistake."
)


class AccountSuspended(Exception):
    """The password was right, but the account is suspended.

    Attributes:
        message: What to tell the person on the sign-in page.
    """

    def __init__(self) -> None:
        super().__init__(SUSPENDED_MESSAGE)
        self.message = SUSPENDED_MESSAGE


def _target(session: Session, admin_id: str, user_id: str) -> tuple[User, User]:
    acting = require_admin(session=session, user_id=admin_id)
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise NotFound(user_id)
    return acting, user


def suspend(*, session: Session, admin_id: str, user_id: str, reason: str) -> User:
    """Suspend an account: sign it out everywhere, refuse its sign-ins, email the owner.

    Raises:
        FieldErrors: a missing or bad reason; the account is the admin's own,
            another admin's (change the role first), or already suspended.
        NotFound: no such account (or the caller is not an admin).
    """
    acting, user = _target(session, admin_id, user_id)
    cleaned = check_reason(reason)
    if user.id == acting.id:
        raise FieldErrors({"reason": "You cannot suspend your own account."})
    if is_admin(user):
        raise FieldErrors({"reason": "Admins cannot be suspended: change their role first."})
    if user.suspended_at is not None:
        raise FieldErrors({"reason": "This account is already suspended."})
    user.suspended_at, user.suspension_reason, user.updated_at = utcnow(), cleaned, utcnow()
    session.add(user)
    revoke_all_sessions(session=session, user_id=user.id)
    audit.record_event(
        session=session,
        kind=audit.ACCOUNT_SUSPENDED,
        user_id=user.id,
        admin_id=acting.id,
        reason=cleaned,
    )
    send_after_commit(
        session,
        emails.account_suspended(to=user.email, name=user.name, reason=cleaned),
        account_id=user.id,
    )
    return user


def unsuspend(*, session: Session, admin_id: str, user_id: str, reason: str) -> User:
    """Lift a suspension: the owner can sign in again, and is told why.

    Raises:
        FieldErrors: a missing or bad reason, or the account is not suspended.
        NotFound: no such account (or the caller is not an admin).
    """
    acting, user = _target(session, admin_id, user_id)
    cleaned = check_reason(reason)
    if user.suspended_at is None:
        raise FieldErrors({"reason": "This account is not suspended."})
    user.suspended_at, user.suspension_reason, user.updated_at = None, "", utcnow()
    session.add(user)
    audit.record_event(
        session=session,
        kind=audit.ACCOUNT_UNSUSPENDED,
        user_id=user.id,
        admin_id=acting.id,
        reason=cleaned,
    )
    send_after_commit(
        session,
        emails.account_unsuspended(to=user.email, name=user.name, reason=cleaned),
        account_id=user.id,
    )
    return user
