"""Sending email only when the transaction that caused it commits; forgetting it later.

Services queue messages on the database session; they go to the mailer after
a successful commit and are dropped on rollback. So a failed sign-up never
sends a verification link, and a link is never mailed before the token it
carries is stored.

Without SMTP, mail lands in the local outbox (integrations/mailer.py), which
forgets it: after `outbox_retention_days`, and at once when its account is
deleted, except the deletion notice itself, which stays `DELETION_NOTICE_HOLD`
so that it can be read, then goes too.
"""

from collections.abc import Collection
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from nomask_app.config import get_settings
from nomask_app.integrations import mailer
from nomask_app.services.operations.emails import ACCOUNT_DELETED

_PENDING_KEY = "nomask_outgoing_mail"
# How long the outbox keeps the "account deleted" notice (then the sweep removes it).
DELETION_NOTICE_HOLD = timedelta(minutes=15)
# Mail queued before a deletion is written first, then forgotten with the account.
_QUEUED_MAIL_WAIT_SECONDS = 10.0


def send_after_commit(session: Session, message: EmailMessage, *, account_id: str) -> None:
    """Queue `message` about `account_id` to be sent when `session`'s transaction commits."""
    message[mailer.ACCOUNT_HEADER] = account_id
    if session.get_transaction() is None:
        # Tie the message to a transaction, so a rollback right away drops it.
        session.begin()
    session.info.setdefault(_PENDING_KEY, []).append(message)


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    # Also fires for SAVEPOINTs (`begin_nested`): only the outermost commit sends.
    if session.in_nested_transaction():
        return
    for message in session.info.pop(_PENDING_KEY, []):
        mailer.send(message)


@event.listens_for(Session, "after_transaction_end")
def _drop_unsent(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (rollback or close).
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)


def forget_account(account_id: str) -> int:
    """Remove an account's mail from the outbox now, except the deletion notice.

    Call it once the deletion committed. Returns how many messages went.
    """
    if get_settings().smtp_host:
        return 0  # nothing of it was written here
    mailer.wait_idle(_QUEUED_MAIL_WAIT_SECONDS)
    return mailer.remove_from_outbox(
        lambda entry: entry.account == account_id and entry.kind != ACCOUNT_DELETED
    )


def purge_outbox(*, now: datetime, forgotten: Collection[str] = ()) -> int:
    """Remove outbox mail past its retention, and mail of the deleted accounts `forgotten`.

    Returns:
        How many messages went.
    """
    oldest = now - timedelta(days=get_settings().outbox_retention_days)
    notices_before = now - DELETION_NOTICE_HOLD
    forgotten = set(forgotten)

    def expired(entry: mailer.OutboxEntry) -> bool:
        if entry.written_at < oldest:
            return True
        if entry.kind == ACCOUNT_DELETED:
            return entry.written_at < notices_before
        return entry.account in forgotten

    return mailer.remove_from_outbox(expired)
