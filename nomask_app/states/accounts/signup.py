"""The sign-up form: it answers "check your email" whoever has which address."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.accounts.accounts import sign_up
from nomask_app.services.accounts.validation import NAME_HINT
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import ratelimit
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.privacy.policy import PolicyState


def _start_account(fields: dict, context: dict) -> None:
    """Start the account, or tell the address's owner (slow: bcrypt either way)."""
    ratelimit.hit(ratelimit.SIGN_UP, ip=context["ip_address"], account=fields["email"])
    with session_scope() as session:
        sign_up(session=session, **fields, **context)


__all__ = ["NAME_HINT", "SignupState"]  # pages show the hint under every "Name" field


class SignupState(SessionState):
    """Sign-up form: keeps what was typed (except the password) and errors per field."""

    name: str = ""
    email: str = ""
    errors: dict[str, str] = {}
    submitting: bool = False
    # The address the link went to: the page then says "check your email".
    sent_to: str = ""

    @rx.event
    def load(self):
        """Show the form again (after "check your email", a new visit starts afresh)."""
        self.sent_to, self.errors, self.submitting = "", {}, False

    @rx.event
    async def submit(self, form_data: dict):
        """Validate everything server-side and send the link that finishes the account.

        The page answers the same whether or not the address has an account.
        """
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
        policy = await self.get_state(PolicyState)
        fields["policy_version"] = policy.version  # the version this page showed
        context = self._context()
        try:
            await asyncio.to_thread(_start_account, fields, context)
        except FieldErrors as problem:
            self.errors = problem.errors
            if "accepts_policy" in problem.errors:
                yield PolicyState.load  # show the version in force now
            return
        except ratelimit.RateLimited as limit:
            self.errors = {"form": limit.message}
            return
        finally:
            self.submitting = False
        self.sent_to = " ".join(fields["email"].split())
        # The tab's state (kept by Reflex for an hour) need not hold the name and address.
        self.name, self.email = "", ""
