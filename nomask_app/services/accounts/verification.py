"""Proving that an address is the person's: at sign-up and when it changes.

A new account is usable only once the link emailed at sign-up is used, with
the password chosen then (so whoever reads the mailbox finishes it with their
own password, never one an earlier sign-up typed for their address). Accounts
made before that rule stay usable and get a reminder to confirm their
address. A new address replaces the old one only when the link sent to it is
used; until then nothing changes.
"""

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from nomask_app.models import AccountToken, SecurityEvent, User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import account_tokens
from nomask_app.services.accounts.account_tokens import CHANGE_EMAIL, VERIFY_EMAIL
from nomask_app.services.accounts.passwords import verify_password
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import audit, emails
from nomask_app.services.operations.audit import record_event
from nomask_app.services.operations.delivery import send_after_commit

ADDRESS_TAKEN = "An account with this email already exists."
WRONG_PASSWORD = "That is not the password you chose at sign-up."  # noqa: S105 (a message)
VERIFIED = "verified"
ACTIVATED = "activated"
CHANGED = "changed"
# The owner of an address hears of a sign-up attempt with it at most this often.
_ATTEMPT_NOTICE_INTERVAL = timedelta(hours=1)


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
    message = emails.verify_email(
        to=user.email, name=user.name, token=token, finishes_sign_up=user.activated_at is None
    )
    send_after_commit(session, message, account_id=user.id)
    return True


def address_claimed(
    *, session: Session, user: User, ip_address: str = "", user_agent: str = ""
) -> None:
    """Someone tried to sign up with this account's address, or move theirs to it: tell its owner.

    Recorded on the owner's security trail; emailed at most once an hour, so
    nobody can flood a mailbox through the sign-up form.
    """
    since = utcnow() - _ATTEMPT_NOTICE_INTERVAL
    told_recently = session.exec(
        select(SecurityEvent.id).where(
            SecurityEvent.user_id == user.id,
            SecurityEvent.kind == audit.ADDRESS_CLAIMED,
            SecurityEvent.created_at > since,
        )
    ).first()
    record_event(
        session=session,
        kind=audit.ADDRESS_CLAIMED,
        user_id=user.id,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    if told_recently is None:
        send_after_commit(
            session, emails.address_claimed(to=user.email, name=user.name), account_id=user.id
        )


def link_needs_password(*, session: Session, token: str | None) -> bool:
    """Whether this link finishes a sign-up (then the chosen password must be entered).

    Raises:
        FieldErrors: ``{"token": ...}`` for an unknown, used, forged or expired link.
    """
    row = account_tokens.find_token(
        session=session, raw=token, purposes=(VERIFY_EMAIL, CHANGE_EMAIL)
    )
    user = session.get(User, row.user_id)
    return row.purpose == VERIFY_EMAIL and user is not None and user.activated_at is None


def start_email_change(*, session: Session, user: User, new_email: str) -> None:
    """Send a confirmation link to `new_email` and a notice to the current address.

    `new_email` must be normalized and checked by the caller. If another
    account has it, that account's owner is told instead of being sent a link,
    and the change waits as any other would: the form answers the same
    either way, so it never tells whose address is registered.
    """
    token = account_tokens.issue_token(
        session=session, user_id=user.id, purpose=CHANGE_EMAIL, email=new_email
    )
    owner = session.exec(select(User).where(User.email == new_email)).first()
    if owner is None:
        message = emails.confirm_new_email(to=new_email, name=user.name, token=token)
        send_after_commit(session, message, account_id=user.id)
    else:
        address_claimed(session=session, user=owner)
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
    *,
    session: Session,
    token: str | None,
    password: str = "",
    ip_address: str = "",
    user_agent: str = "",
) -> tuple[str, str]:
    """Use a verification or email-change link.

    A link that finishes a sign-up needs the password chosen then: the
    account becomes usable (`ACTIVATED`). Slow then (bcrypt): call it from a
    worker thread in async code.

    Returns:
        (`VERIFIED`, `ACTIVATED` or `CHANGED`; the account's id).

    Raises:
        FieldErrors: ``{"token": ...}`` for an unknown, used, forged or expired
            link, or when the new address was taken meanwhile;
            ``{"password": ...}`` for a wrong password (the link still works).
            Nothing changes.
    """
    row = account_tokens.find_token(
        session=session, raw=token, purposes=(VERIFY_EMAIL, CHANGE_EMAIL)
    )
    user = session.get(User, row.user_id)
    if user is None:
        raise FieldErrors({"token": account_tokens.INVALID_LINK})
    finishes_sign_up = row.purpose == VERIFY_EMAIL and user.activated_at is None
    if finishes_sign_up and not (password and verify_password(password, user.password_hash)):
        raise FieldErrors({"password": WRONG_PASSWORD})
    session.delete(row)  # used up
    now = utcnow()
    context = {"ip_address": ip_address, "user_agent": user_agent}
    if row.purpose == VERIFY_EMAIL:
        if row.email != user.email:  # the address changed since the link was sent
            raise FieldErrors({"token": account_tokens.INVALID_LINK})
        user.email_verified_at = user.email_verified_at or now
        if finishes_sign_up:
            user.activated_at = now
            record_event(session=session, kind=audit.ACCOUNT_ACTIVATED, user_id=user.id, **context)
        session.add(user)
        record_event(session=session, kind="email.verified", user_id=user.id, **context)
        return (ACTIVATED if finishes_sign_up else VERIFIED), user.id

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
    return CHANGED, user.id
