"""Pages opened from an email: confirm an address, forgot and reset a password.

None of them needs a signed-in browser: the link's token is the proof. Tokens
are read from the page URL inside each handler, never from a client var.
"""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.accounts import password_reset, verification
from nomask_app.services.accounts.sessions import issue_login_ticket
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import ratelimit
from nomask_app.states.accounts.handoff import HandoffState
from nomask_app.states.accounts.session import request_context
from nomask_app.states.accounts.signup import SignupState


def _call(function, **kwargs):
    with session_scope() as session:
        return function(session=session, **kwargs)


def _request_reset(email: str, context: dict[str, str]) -> None:
    # The same answer whether or not the address has an account, so the limit
    # counts the address asked about, not the account behind it.
    ratelimit.hit(ratelimit.PASSWORD_RESET, ip=context["ip_address"], account=email)
    _call(password_reset.request_password_reset, email=email, **context)


def _token(state: rx.State) -> str:
    return str(state.router.url.query_parameters.get("token", ""))[:256]


def _confirm(token: str, password: str, context: dict[str, str]) -> tuple[str, str]:
    """Use the link; a finished sign-up gets a ticket that signs the person in (else "")."""
    with session_scope() as session:
        outcome, user_id = verification.confirm_email_link(
            session=session, token=token, password=password, **context
        )
        if outcome != verification.ACTIVATED:
            return outcome, ""
        return outcome, issue_login_ticket(session=session, user_id=user_id, next_path="/")


class VerifyEmailState(rx.State):
    """/verify-email: a button confirms, so link scanners that prefetch change nothing.

    A link that finishes a sign-up also asks for the password chosen then, and
    signs the person in.
    """

    error: str = ""
    password_error: str = ""
    result: str = ""
    needs_password: bool = False
    busy: bool = False

    @rx.event
    async def load(self):
        """Reset the page for a new link, and say at once if it cannot be used."""
        self.error, self.password_error, self.result, self.busy = "", "", "", False
        try:
            self.needs_password = await asyncio.to_thread(
                _call, verification.link_needs_password, token=_token(self)
            )
        except FieldErrors as problem:
            self.needs_password = False
            self.error = problem.errors.get("token", "")

    @rx.event
    async def confirm(self, form_data: dict):
        """Use the link (with the password, when it finishes a sign-up)."""
        self.password_error = ""
        self.busy = True
        yield
        password = str(form_data.get("password", ""))[:2000]
        try:
            outcome, ticket = await asyncio.to_thread(
                _confirm, _token(self), password, request_context(self)
            )
        except FieldErrors as problem:
            self.error = problem.errors.get("token", "")
            self.password_error = problem.errors.get("password", "")
            return
        finally:
            self.busy = False
        if ticket:
            self.result = "Your account is ready. Signing you in…"
            # The sign-up form of this tab need not keep the address it sent the link to.
            signup = await self.get_state(SignupState)
            signup.sent_to = ""
            handoff = await self.get_state(HandoffState)
            handoff.ticket = ticket
            return
        self.result = (
            "Your email address is confirmed."
            if outcome == verification.VERIFIED
            else "Your email address is changed. Use the new address to sign in."
        )


class ForgotPasswordState(rx.State):
    """/forgot-password: the same answer whether or not the address has an account."""

    email: str = ""
    error: str = ""
    sent: bool = False
    busy: bool = False

    @rx.event
    def load(self):
        """Start with an empty form."""
        self.error, self.sent, self.busy = "", False, False

    @rx.event
    async def submit(self, form_data: dict):
        """Send a reset link if the address has an account."""
        self.email = str(form_data.get("email", ""))[:320].strip()
        self.error, self.sent = "", False
        self.busy = True
        yield
        try:
            await asyncio.to_thread(_request_reset, self.email, request_context(self))
        except FieldErrors as problem:
            self.error = problem.errors.get("email", "")
            return
        except ratelimit.RateLimited as limit:
            self.error = limit.message
            return
        finally:
            self.busy = False
        self.sent = True


class ResetPasswordState(rx.State):
    """/reset-password: set a new password through the emailed link."""

    token_error: str = ""
    password_error: str = ""
    done: bool = False
    busy: bool = False

    @rx.event
    async def load(self):
        """Say at once when the link cannot be used any more."""
        self.password_error, self.done, self.busy = "", False, False
        try:
            await asyncio.to_thread(_call, password_reset.check_reset_token, token=_token(self))
        except FieldErrors as problem:
            self.token_error = problem.errors.get("token", "")
            return
        self.token_error = ""

    @rx.event
    async def submit(self, form_data: dict):
        """Set the password; every session of the account ends."""
        self.password_error = ""
        self.busy = True
        yield
        try:
            await asyncio.to_thread(
                _call,
                password_reset.reset_password,
                token=_token(self),
                new_password=str(form_data.get("new_password", ""))[:2000],
                **request_context(self),
            )
        except FieldErrors as problem:
            self.token_error = problem.errors.get("token", "")
            self.password_error = problem.errors.get("new_password", "")
            return
        finally:
            self.busy = False
        self.done = True
