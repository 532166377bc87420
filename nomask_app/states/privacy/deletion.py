"""Deleting from the privacy center: all conversations, or the whole account."""

import asyncio
import logging

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.integrations.stripe import StripeUnavailable
from nomask_app.services.chat import conversations
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.images.files import remove_stored
from nomask_app.services.operations import audit
from nomask_app.services.operations.emails import CONTACT
from nomask_app.services.privacy import account_deletion, privacy_sweep, storage_scrub, tombstones
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.privacy.center import PrivacyState

log = logging.getLogger(__name__)

LEDGER_DOWN = (
    "We could not record the deletion safely, so nothing was deleted. Please try again "
    f"later; if this goes on, write to {CONTACT}."
)
STRIPE_DOWN = (
    "We could not reach our payment provider to cancel your subscription, so nothing was "
    "deleted. Please try again in a few minutes."
)


def _delete_conversations(user_id: str, context: dict[str, str]) -> None:
    with session_scope() as session:
        keys = conversations.delete_all_conversations(session=session, user_id=user_id)
        audit.record_event(
            session=session, kind=audit.CONVERSATIONS_DELETED, user_id=user_id, **context
        )
    remove_stored(keys)
    storage_scrub.request()


def _delete_account(user_id: str, password: str, confirmation: str) -> bool:
    """Check, mark and erase; True when everything is gone already."""
    with session_scope() as session:
        account_deletion.request_deletion(
            session=session, user_id=user_id, current_password=password, confirmation=confirmation
        )
    # Marked and signed out everywhere: from here on the sweep finishes any failure.
    try:
        return privacy_sweep.finish_deletion(user_id)
    except Exception:
        log.exception("account deletion interrupted; the privacy sweep will finish it")
        return False


class DeletionState(SessionState):
    """The two confirmation dialogs and what they report back."""

    conversations_open: bool = False
    conversations_notice: str = ""
    account_open: bool = False
    account_errors: dict[str, str] = {}
    account_alert: str = ""
    deleting: bool = False
    # Set once the account is gone (or its deletion is under way): the page then
    # posts to the logout route, which clears the HttpOnly cookie
    # (components/privacy/deletion.py).
    account_deleted: str = ""

    @rx.event
    def set_conversations_open(self, value: bool):
        """Open or close the "Delete all conversations" confirmation."""
        self.conversations_open = bool(value)

    @rx.event
    def set_account_open(self, value: bool):
        """Open or close the "Delete account" dialog, with a clean form."""
        self.account_open = bool(value)
        self.account_errors, self.account_alert = {}, ""

    @rx.event
    async def forget_deleted_account(self):
        """Once the account is gone: drop everything this tab's state still holds of it."""
        if self.account_deleted:
            await self.forget_tab()

    @rx.event
    async def delete_conversations(self):
        """Delete every conversation with its messages and files."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        await asyncio.to_thread(_delete_conversations, user.id, self._context())
        self.conversations_open = False
        self.conversations_notice = "All your conversations, their messages and files are deleted."
        return PrivacyState.load

    @rx.event
    async def delete_account(self, form_data: dict):
        """Delete the account after checking the password and the typed confirmation."""
        user = await self.current_user()
        if user is None:
            yield SessionState.require_user
            return
        self.account_errors, self.account_alert = {}, ""
        self.deleting = True
        yield
        try:
            finished = await asyncio.to_thread(
                _delete_account,
                user.id,
                str(form_data.get("current_password", ""))[:2000],
                str(form_data.get("confirmation", ""))[:100],
            )
        except FieldErrors as problem:
            self.account_errors = problem.errors
            return
        except StripeUnavailable:
            self.account_alert = STRIPE_DOWN
            return
        except tombstones.TombstoneUnwritable:
            self.account_alert = LEDGER_DOWN
            return
        finally:
            self.deleting = False
        self.account_open = False
        self.account_deleted = (
            "Your account is deleted. Signing you out…"
            if finished
            else "Your account is being deleted: you are signed out everywhere, and we finish "
            "within minutes and email you when it is done. Signing you out…"
        )
