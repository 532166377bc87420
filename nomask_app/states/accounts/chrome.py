"""What every signed-in page shows about the account: its theme, the verify reminder."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.accounts.profile import get_user
from nomask_app.services.accounts.verification import start_email_verification
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.common.changes import assign


def _resend(user_id: str) -> bool:
    with session_scope() as session:
        user = get_user(session=session, user_id=user_id)
        return start_email_verification(session=session, user=user)


class ChromeState(SessionState):
    """The signed-in person's theme and whether their address is verified."""

    theme: str = ""
    email_verified: bool = True
    verification_notice: str = ""
    # "Remind me later": hidden in this tab (its state outlives a reload); a new
    # tab or the next sign-in shows the reminder again until the address is confirmed.
    reminder_hidden: bool = False

    @rx.event
    async def load(self):
        """Read the stored preferences when a signed-in page mounts."""
        user = await self.current_user()
        if user is None:
            return
        # Each page that mounts asks again; the page has the values unless they changed.
        assign(self, theme=user.theme, email_verified=user.email_verified_at is not None)

    @rx.event
    async def resend_verification(self):
        """Send the verification link again."""
        user = await self.current_user()
        if user is None or user.email_verified_at is not None:
            self.email_verified = True
            return
        if await asyncio.to_thread(_resend, user.id):
            self.verification_notice = f"We sent a new link to {user.email}."
        else:
            self.verification_notice = "We sent you a link less than a minute ago."

    @rx.event
    async def hide_reminder(self):
        """Hide the verify reminder in this tab."""
        if await self.current_user() is None:
            return SessionState.require_user
        self.reminder_hidden = True
        return None
