"""Proving that an address is the person's: at sign-up and when it changes.

The account is usable before its address is verified (the page shows a
reminder). A new address replaces the old one only when the link sent to it
is used; until then nothing changes.
"""

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from nomask_app.models import AccountToken, User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import account_tokens
from nomask_app.services.accounts.account_tokens import CHANGE_EMAIL, VERIFY_EMAIL
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import emails
from nomask_app.services.operations.audit import record_event
from nomask_app.services.operations.delivery import send_after_commit

ADDRESS_TAKEN = "An account with this email already exists."
VERIFIED = "verified"
CHANGED = "changed"


def start_email_verification(*, session: Session, user: User) -> bool:
    """Send (or send again) the link that confirms the account's address.

    Returns:
        False when nothing was sent: the address is verified, or a link went
        out less than a minute ago.
    """
    if user.email_verified_at is not None or account_tokens.issued_recently(
        session=session, user_id=user.id, purpose=VERIFY_EMAIL
    ):
        return False
    token = account_tokens.issue_token(
        session=session, user_id=user.id, purpose=VERIFY_EMAIL, email=user.email
    )
    send_after_commit(
        session, emails.verify_email(to=user.email, name=user.name, token=token), account_id=user.id
    )
    return True


def start_email_change(*, session: Session, user: User, new_email: str) -> None:
    """Send a confirmation link to `new_email` and a notice to the current address.

    `new_email` must be normalized and checked by the caller.
    """
    token = account_tokens.issue_token(
        session=session, user_id=user.id, purpose=CHANGE_EMAIL, email=new_email
    )
    send_after_commit(
        session,
        emails.confirm_new_email(to=new_email, name=user.name, token=token),
        account_id=user.id,
    )
    send_after_commit(
        session,
        emails.email_change_requested(to=user.email, name=user.name, new_email=new_email),
        account_id=user.id,
    )


def pending_email_change(*, session: Session, user_id: str) -> str:
    """The address waiting for confirmation, or "" when there is none."""
    row = session.exec(
        select(AccountToken).where(
            AccountToken.user_id == user_id,
            AccountToken.purpose == CHANGE_EMAIL,
            AccountToken.expires_at > utcnow(),
        )
    ).first()
    return row.email if row else ""


def confirm_email_link(
    *, session: Session, token: str | None, ip_address: str = "", user_agent: str = ""
) -> str:
    """Use a verification or email-change link.

    Returns:
        `VERIFIED` or `CHANGED`.

    Raises:
        FieldErrors: ``{"token": ...}`` for an unknown, used, forged or expired
            link, or when the new address was taken meanwhile; nothing changes.
    """
    row = account_tokens.consume_token(
        session=session, raw=token, purposes=(VERIFY_EMAIL, CHANGE_EMAIL)
    )
    user = session.get(User, row.user_id)
    if user is None:
        raise FieldErrors({"token": account_tokens.INVALID_LINK})
    now = utcnow()
    context = {"ip_address": ip_address, "user_agent": user_agent}
    if row.purpose == VERIFY_EMAIL:
        if row.email != user.email:  # the address changed since the link was sent
            raise FieldErrors({"token": account_tokens.INVALID_LINK})
        user.email_verified_at = user.email_verified_at or now
        session.add(user)
        record_event(session=session, kind="email.verified", user_id=user.id, **context)
        return VERIFIED

    taken = session.exec(select(User).where(User.email == row.email, User.id != user.id)).first()
    if taken is not None:
        raise FieldErrors({"token": ADDRESS_TAKEN})
    old_email = user.email
    try:
        with session.begin_nested():
            user.email = row.email
            user.email_verified_at = now  # the link reached the new address
            user.updated_at = now
            session.add(user)
    except IntegrityError:
        # Someone signed up with the address between the check and the update.
        raise FieldErrors({"token": ADDRESS_TAKEN}) from None
    # An unused sign-up verification link pointed at the old address.
    account_tokens.delete_tokens(session=session, user_id=user.id, purpose=VERIFY_EMAIL)
    record_event(session=session, kind="email.changed", user_id=user.id, **context)
    send_after_commit(
        session,
        emails.email_changed(to=old_email, name=user.name, new_email=user.email),
        account_id=user.id,
    )
    return CHANGED
