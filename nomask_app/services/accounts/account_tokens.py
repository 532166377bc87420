"""Single-use email links (verify, change address, reset password), stored as hashes.

A link carries 256 random bits; only their SHA-256 is stored. Using a link
deletes it, a new request of the same kind replaces the old link, and every
kind has a short lifetime.
"""

import secrets
from datetime import timedelta

from sqlmodel import Session, col, delete, select

from nomask_app.models import AccountToken
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.sessions import hash_token
from nomask_app.services.common.errors import FieldErrors

VERIFY_EMAIL = "verify_email"
CHANGE_EMAIL = "change_email"
RESET_PASSWORD = "reset_password"  # noqa: S105 (a purpose, not a secret)
LIFETIMES = {
    VERIFY_EMAIL: timedelta(days=3),
    CHANGE_EMAIL: timedelta(hours=24),
    RESET_PASSWORD: timedelta(hours=1),
}
# One link a minute per account and kind at most: the forms cannot flood a mailbox.
RESEND_INTERVAL = timedelta(minutes=1)
INVALID_LINK = "This link is not valid or has already been used. Request a new one."
EXPIRED_LINK = "This link has expired. Request a new one."
_MAX_TOKEN_LENGTH = 128


def issue_token(*, session: Session, user_id: str, purpose: str, email: str) -> str:
    """Create a link token for `purpose`, replacing any earlier one of that kind.

    Returns:
        The raw token for the link (only its hash is stored).
    """
    session.exec(
        delete(AccountToken).where(
            col(AccountToken.user_id) == user_id, col(AccountToken.purpose) == purpose
        )
    )
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AccountToken(
            user_id=user_id,
            purpose=purpose,
            token_hash=hash_token(raw),
            email=email,
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    return raw


def find_token(*, session: Session, raw: str | None, purposes: tuple[str, ...]) -> AccountToken:
    """Return the live token behind a link without using it up.

    Raises:
        FieldErrors: ``{"token": ...}`` when the link is unknown, used, forged
            or expired.
    """
    if not raw or len(raw) > _MAX_TOKEN_LENGTH:
        raise FieldErrors({"token": INVALID_LINK})
    row = session.exec(
        select(AccountToken).where(
            AccountToken.token_hash == hash_token(raw), col(AccountToken.purpose).in_(purposes)
        )
    ).first()
    if row is None:
        raise FieldErrors({"token": INVALID_LINK})
    if utcnow() >= row.expires_at:
        raise FieldErrors({"token": EXPIRED_LINK})
    return row


def consume_token(*, session: Session, raw: str | None, purposes: tuple[str, ...]) -> AccountToken:
    """Like `find_token`, and delete the token so the link works only once."""
    row = find_token(session=session, raw=raw, purposes=purposes)
    session.delete(row)
    return row


def delete_tokens(*, session: Session, user_id: str, purpose: str) -> None:
    """Invalidate every outstanding link of one kind for a user."""
    session.exec(
        delete(AccountToken).where(
            col(AccountToken.user_id) == user_id, col(AccountToken.purpose) == purpose
        )
    )


def issued_recently(*, session: Session, user_id: str, purpose: str) -> bool:
    """Whether a link of this kind went to the user less than `RESEND_INTERVAL` ago."""
    return (
        session.exec(
            select(AccountToken.id).where(
                AccountToken.user_id == user_id,
                AccountToken.purpose == purpose,
                AccountToken.created_at > utcnow() - RESEND_INTERVAL,
            )
        ).first()
        is not None
    )
