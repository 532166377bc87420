"""Forgotten passwords: a single-use link, valid for one hour, stored as a hash.

Asking for a link answers the same whether or not the address has an
account, and the email leaves on a background thread, so neither the
response nor its timing tells who has an account. Setting the new password
signs out every session, and finishes a sign-up whose link was never used.
"""

from sqlmodel import Session

from nomask_app.models import User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import account_tokens
from nomask_app.services.accounts.account_tokens import RESET_PASSWORD
from nomask_app.services.accounts.accounts import find_user_by_email
from nomask_app.services.accounts.passwords import password_problem
from nomask_app.services.accounts.profile import set_password
from nomask_app.services.accounts.validation import normalize_email
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import emails
from nomask_app.services.operations.audit import record_event
from nomask_app.services.operations.delivery import send_after_commit


def request_password_reset(
    *, session: Session, email: str, ip_address: str = "", user_agent: str = ""
) -> None:
    """Email a reset link if `email` has an account; otherwise do nothing, silently.

    Raises:
        FieldErrors: ``{"email": ...}`` only when the input is not an address.
    """
    normalized, problem = normalize_email(email)
    if problem:
        raise FieldErrors({"email": problem})
    user = find_user_by_email(session=session, email=normalized)
    if user is None:
        return
    if account_tokens.issued_recently(session=session, user_id=user.id, purpose=RESET_PASSWORD):
        return
    token = account_tokens.issue_token(
        session=session, user_id=user.id, purpose=RESET_PASSWORD, email=user.email
    )
    send_after_commit(
        session,
        emails.password_reset(to=user.email, name=user.name, token=token),
        account_id=user.id,
    )
    record_event(
        session=session,
        kind="password.reset_requested",
        user_id=user.id,
        ip_address=ip_address,
        user_agent=user_agent,
    )


def check_reset_token(*, session: Session, token: str | None) -> None:
    """Raise `FieldErrors` (``token``) unless the link can still be used."""
    account_tokens.find_token(session=session, raw=token, purposes=(RESET_PASSWORD,))


def reset_password(
    *,
    session: Session,
    token: str | None,
    new_password: str,
    ip_address: str = "",
    user_agent: str = "",
) -> User:
    """Set a new password through a reset link and sign out every session.

    Slow on purpose (bcrypt): call it from a worker thread in async code.

    Raises:
        FieldErrors: on ``token`` or ``new_password``; nothing changes and a
            valid link stays usable.
    """
    row = account_tokens.find_token(session=session, raw=token, purposes=(RESET_PASSWORD,))
    user = session.get(User, row.user_id)
    if user is None or user.email != row.email:
        raise FieldErrors({"token": account_tokens.INVALID_LINK})
    problem = password_problem(new_password, email=user.email, name=user.name)
    if problem:
        raise FieldErrors({"new_password": problem})
    session.delete(row)
    set_password(
        session=session,
        user=user,
        password=new_password,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    # The link reached the mailbox, which proves the address; a sign-up that
    # was never finished is finished now, with the password its owner chose.
    now = utcnow()
    user.email_verified_at = user.email_verified_at or now
    user.activated_at = user.activated_at or now
    session.add(user)
    record_event(
        session=session,
        kind="password.reset",
        user_id=user.id,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    return user
