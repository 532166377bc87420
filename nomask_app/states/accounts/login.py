"""The sign-in form, and its second step for accounts with two-factor sign-in."""

import asyncio
import time

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.accounts import signin
from nomask_app.services.accounts.sessions import issue_login_ticket, safe_next_path
from nomask_app.services.operations.ratelimit import RateLimited
from nomask_app.services.operations.suspension import SUSPENDED_MESSAGE, AccountSuspended
from nomask_app.states.accounts.handoff import HandoffState
from nomask_app.states.accounts.session import SessionState

WRONG_CREDENTIALS = "Email or password is incorrect."
WRONG_CODE = "That code is not correct. Try the current code from your app."
CODE_EXPIRED = "That took too long. Sign in again."
SECOND_STEP_SECONDS = 300


def _check_credentials(email: str, password: str, next_path: str, context: dict):
    """Verify credentials (slow: bcrypt).

    Returns:
        ("ticket", ticket) when signed in, ("code", user_id) when the account
        needs its second step, or None for wrong credentials.
    """
    with session_scope() as session:
        user = signin.check_password(session=session, email=email, password=password, **context)
        if user is None:
            return None
        if signin.needs_second_factor(session=session, user_id=user.id):
            return "code", user.id
        return "ticket", issue_login_ticket(session=session, user_id=user.id, next_path=next_path)


def _check_code(user_id: str, code: str, next_path: str, context: dict) -> str | None:
    """Verify the second step; return a login ticket, or None for a wrong code."""
    with session_scope() as session:
        if not signin.check_second_factor(session=session, user_id=user_id, code=code, **context):
            return None
        return issue_login_ticket(session=session, user_id=user_id, next_path=next_path)


SESSION_ENDED = (
    "Your session was ended: it was signed out from another browser, expired, or the "
    "account was suspended. Please sign in again."
)


class LoginState(SessionState):
    """Sign-in form: keeps what was typed (except the password) and one error."""

    email: str = ""
    error: str = ""
    notice: str = ""
    submitting: bool = False
    # "password", or "code" while the second step waits (two-factor accounts).
    step: str = "password"
    # Server-side only (never sent to the browser): who passed the first step.
    _pending_user_id: str = ""
    _pending_next: str = "/"
    _pending_since: float = 0.0

    def _forget_pending(self) -> None:
        self._pending_user_id, self._pending_next, self._pending_since = "", "/", 0.0
        self.step = "password"

    @rx.event
    async def load(self):
        """Send signed-in people home; explain to the others why they landed here."""
        # First: a tab whose session ended elsewhere forgets that identity here,
        # which resets this state too, so the explanation must come after it.
        if await self.current_user() is not None:
            return rx.redirect("/", replace=True)
        self.error = ""
        self._forget_pending()
        query = self.router.url.query_parameters
        self.notice = (
            SESSION_ENDED
            if query.get("ended")
            else "Your sign-in expired. Please sign in again."
            if query.get("expired")
            else ""
        )
        if query.get("suspended"):
            self.error = SUSPENDED_MESSAGE
        return None

    @rx.event
    async def submit(self, form_data: dict):
        """Check the credentials and hand the browser a ticket for its session cookie."""
        email = str(form_data.get("email", ""))[:320]
        password = str(form_data.get("password", ""))[:2000]
        self.email = email.strip()
        self.notice = ""
        self._forget_pending()
        if not email.strip() or not password:
            self.error = "Enter your email and password."
            return
        self.error = ""
        self.submitting = True
        yield
        next_path = safe_next_path(self.router.url.query_parameters.get("next"))
        try:
            outcome = await asyncio.to_thread(
                _check_credentials, email, password, next_path, self._context()
            )
        except (RateLimited, AccountSuspended) as refusal:
            self.error = refusal.message
            return
        finally:
            self.submitting = False
        if outcome is None:
            self.error = WRONG_CREDENTIALS
            return
        kind, value = outcome
        if kind == "code":
            self._pending_user_id, self._pending_next = value, next_path
            self._pending_since = time.time()
            self.step = "code"
            return
        handoff = await self.get_state(HandoffState)
        handoff.ticket = value

    @rx.event
    async def submit_code(self, form_data: dict):
        """Second step: a code from the authenticator app, or a recovery code."""
        code = str(form_data.get("code", ""))[:64]
        if not self._pending_user_id or (time.time() - self._pending_since > SECOND_STEP_SECONDS):
            self._forget_pending()
            self.error = CODE_EXPIRED
            return
        if not code.strip():
            self.error = "Enter the code from your app."
            return
        self.error = ""
        self.submitting = True
        yield
        try:
            ticket = await asyncio.to_thread(
                _check_code, self._pending_user_id, code, self._pending_next, self._context()
            )
        except RateLimited as limit:
            self.error = limit.message
            return
        finally:
            self.submitting = False
        if ticket is None:
            self.error = WRONG_CODE
            return
        self._forget_pending()
        handoff = await self.get_state(HandoffState)
        handoff.ticket = ticket

    @rx.event
    def start_over(self):
        """Leave the second step and go back to the password form."""
        self._forget_pending()
        self.error = ""
