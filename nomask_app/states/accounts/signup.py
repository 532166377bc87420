"""The sign-up form."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.accounts.accounts import sign_up
from nomask_app.services.accounts.sessions import issue_login_ticket
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import ratelimit
from nomask_app.states.accounts.handoff import HandoffState
from nomask_app.states.accounts.session import SessionState


def _create_account(fields: dict, context: dict) -> str:
    """Create the account and return a ticket that signs the person in (slow: bcrypt)."""
    ratelimit.hit(ratelimit.SIGN_UP, ip=context["ip_address"], account=fields["email"])
    with session_scope() as session:
        user = sign_up(session=session, **fields, **context)
        return issue_login_ticket(session=session, user_id=user.id, next_path="/")


class SignupState(SessionState):
    """Sign-up form: keeps what was typed (except the password) and errors per field."""

    name: str = ""
    email: str = ""
    errors: dict[str, str] = {}
    submitting: bool = False

    @rx.event
    async def submit(self, form_data: dict):
        """Validate everything server-side, create the account and sign in."""
        fields = {
            "name": str(form_data.get("name", "")),
            "email": str(form_data.get("email", "")),
            "password": str(form_data.get("password", "")),
            "is_adult": form_data.get("is_adult") in ("on", True, "true"),
            "accepts_policy": form_data.get("accepts_policy") in ("on", True, "true"),
        }
        self.name, self.email = fields["name"], fields["email"]
        self.errors = {}
        self.submitting = True
        yield
        context = self._context()
        try:
            ticket = await asyncio.to_thread(_create_account, fields, context)
        except FieldErrors as problem:
            self.errors = problem.errors
            self.submitting = False
            return
        except ratelimit.RateLimited as limit:
            self.errors = {"form": limit.message}
            self.submitting = False
            return
        self.submitting = False
        # Signed up: this tab is replaced by a signed-in one, and its state
        # (kept by Reflex for an hour) need not hold the name and address.
        self.name, self.email = "", ""
        handoff = await self.get_state(HandoffState)
        handoff.ticket = ticket
