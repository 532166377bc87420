"""Deleting an account (policy §4, §5 "Deletion"): checked, marked, then erased.

1. `request_deletion` checks the password and the typed confirmation, ends
   billing at Stripe (if Stripe cannot be reached nothing at all happens),
   marks the account as being deleted and signs out every browser.
2. `erase_account` then deletes every row of the person in every table
   (services/privacy/erasure.py) in one transaction, the account row last,
   appends a tombstone to the ledger kept outside the database (so that no
   restored backup can bring the account back; services/privacy/tombstones.py),
   and queues the confirmation email, composed while the address still exists.
   The files go once that transaction commits.

A crash between the two leaves the mark, and the privacy sweep
(services/privacy/privacy_sweep.py) finishes the job; so does a crash after the
commit, for files (`files.sweep_orphans`).
"""

from sqlmodel import Session, select

from nomask_app.models import AccountDeletion, User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts.devices import revoke_all_sessions
from nomask_app.services.accounts.passwords import verify_password
from nomask_app.services.accounts.profile import WRONG_PASSWORD
from nomask_app.services.accounts.validation import PASSWORD_MAX
from nomask_app.services.billing import subscriptions
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.operations import audit, emails
from nomask_app.services.operations.delivery import send_after_commit
from nomask_app.services.privacy import erasure, tombstones

CONFIRMATION = "DELETE"


def _problems(user: User, current_password: str, confirmation: str) -> dict[str, str]:
    errors = {}
    if not current_password:
        errors["current_password"] = "Enter your current password."  # noqa: S105 (a message)
    elif len(current_password) > PASSWORD_MAX or not verify_password(
        current_password, user.password_hash
    ):
        errors["current_password"] = WRONG_PASSWORD
    if (confirmation or "").strip() != CONFIRMATION:
        errors["confirmation"] = f"Type {CONFIRMATION} in capital letters to confirm."
    return errors


def request_deletion(
    *, session: Session, user_id: str, current_password: str, confirmation: str
) -> AccountDeletion:
    """Start deleting an account: check, end billing, mark, sign out everywhere.

    The caller commits, then erases (`privacy_sweep.finish_deletion`). Slow
    on purpose (bcrypt) and calls Stripe: run it in a worker thread.

    Raises:
        FieldErrors: ``current_password`` or ``confirmation``; nothing changes.
        NotFound: no such account.
        StripeUnavailable: Stripe could not be reached; roll back, nothing is
            deleted, and the person is told to try again.
        TombstoneUnwritable: the deletion could not be recorded in the ledger;
            nothing happens (checked before billing ends).
    """
    user = session.get(User, user_id) if user_id else None
    if user is None:
        raise NotFound("user")
    errors = _problems(user, current_password, confirmation)
    if errors:
        raise FieldErrors(errors)
    tombstones.probe()
    # First, so that a subscription never outlives the account that pays for it.
    subscriptions.cancel_and_delete_customer(session=session, user_id=user.id)
    mark = session.exec(select(AccountDeletion).where(AccountDeletion.user_id == user.id)).first()
    if mark is None:
        mark = AccountDeletion(user_id=user.id)
        session.add(mark)
    revoke_all_sessions(session=session, user_id=user.id)
    return mark


def erase_account(*, session: Session, user_id: str) -> list[erasure.Leftover]:
    """Delete the account and every row that belongs to it; queue the confirmation.

    Safe to call again after any failure. The caller commits, then removes
    the returned files.

    Returns:
        Export archives on disk and stored files' keys to remove after the commit.

    Raises:
        StripeUnavailable: billing could not be ended; the deletion stays pending.
        TombstoneUnwritable: the ledger cannot be written; the caller must roll
            back, and the deletion stays pending (never done without its tombstone).
    """
    # Locked, so two workers finishing the same deletion do not both send the email.
    user = session.exec(select(User).where(User.id == user_id).with_for_update()).first()
    if user is None:
        return []
    subscriptions.cancel_and_delete_customer(session=session, user_id=user.id)
    send_after_commit(
        session,
        emails.account_deleted(to=user.email, name=user.name, when=utcnow()),
        account_id=user.id,
    )
    paths = erasure.erase_rows(session=session, user_id=user.id)
    # Written ahead of the commit: a tombstone whose erasure then rolls back
    # only makes the next attempt (or `tombstones.enforce`) erase it for sure.
    tombstones.record(user.id, utcnow())
    # Counted for the operators, but anonymous: no id, address or device survives.
    audit.record_event(session=session, kind=audit.ACCOUNT_DELETED)
    return paths


def pending(*, session: Session) -> list[str]:
    """Ids of accounts whose deletion started but did not finish."""
    return list(session.exec(select(AccountDeletion.user_id)))
