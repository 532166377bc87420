"""The sign-in form."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.accounts import authenticate
from nomask_app.services.audit import record_event
from nomask_app.services.sessions import issue_login_ticket, safe_next_path
from nomask_app.states.handoff import HandoffState
from nomask_app.states.session import SessionState

WRONG_CREDENTIALS = "Email or password is incorrect."


def _check_credentials(email: str, password: str, next_path: str, context: dict) -> str | None:
    """Verify credentials; return a login ticket, or None (slow: bcrypt)."""
    with session_scope() as session:
        user = authenticate(session=session, email=email, password=password)
        if user is None:
            record_event(session=session, kind="signin.failed", **context)
            return None
        return issue_login_ticket(session=session, user_id=user.id, next_path=next_path)


class LoginState(SessionState):
    """Sign-in form: keeps what was typed (except the password) and one error."""

    email: str = ""
    error: str = ""
    notice: str = ""
    submitting: bool = False

    @rx.event
    def load(self):
        """Explain why the person landed here, then send signed-in people home."""
        self.error = ""
        expired = self.router.url.query_parameters.get("expired")
        self.notice = "Your sign-in expired. Please sign in again." if expired else ""
        return SessionState.redirect_if_signed_in

    @rx.event
    async def submit(self, form_data: dict):
        """Check the credentials and hand the browser a ticket for its session cookie."""
        email = str(form_data.get("email", ""))[:320]
        password = str(form_data.get("password", ""))
        self.email = email.strip()
        self.notice = ""
        if not email.strip() or not password:
            self.error = "Enter your email and password."
            return
        self.error = ""
        self.submitting = True
        yield
        next_path = safe_next_path(self.router.url.query_parameters.get("next"))
        context = {
            "ip_address": self.router.session.client_ip,
            "user_agent": self.router.headers.user_agent,
        }
        ticket = await asyncio.to_thread(_check_credentials, email, password, next_path, context)
        self.submitting = False
        if ticket is None:
            self.error = WRONG_CREDENTIALS
            return
        handoff = await self.get_state(HandoffState)
        handoff.ticket = ticket
