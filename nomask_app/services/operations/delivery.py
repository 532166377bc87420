"""Sending email only when the transaction that caused it commits.

Services queue messages on the database session; they go to the mailer after
a successful commit and are dropped on rollback. So a failed sign-up never
sends a verification link, and a link is never mailed before the token it
carries is stored.
"""

from email.message import EmailMessage

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from nomask_app.integrations import mailer

_PENDING_KEY = "nomask_outgoing_mail"


def send_after_commit(session: Session, message: EmailMessage) -> None:
    """Queue `message` to be sent when `session`'s transaction commits."""
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
