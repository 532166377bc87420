"""Posting the session hand-off forms without `eval` (the CSP forbids it).

The JavaScript below is compiled into the bundle. Reflex's `call_script`
from a handler would reach the browser as a string to `eval`, which the
Content-Security-Policy refuses.
"""

import json

import reflex as rx
from reflex.vars import Var

from nomask_app.config import get_settings
from nomask_app.states.accounts.handoff import HandoffState

_FORM_ID = "nm-session-handoff"

# Dropping Reflex's tab token before the full page load gives the next page a
# fresh state, so nothing shown for another identity survives in this tab.
_SUBMIT_HANDOFF = Var(
    "() => { sessionStorage.removeItem('token');"
    f" document.getElementById({json.dumps(_FORM_ID)}).submit(); }}"
)


def _sign_out_function() -> Var:
    action = json.dumps(f"{get_settings().backend_url}/api/auth/logout")
    return Var(
        "() => { sessionStorage.removeItem('token');"
        " const form = document.createElement('form');"
        f" form.method = 'post'; form.action = {action};"
        " document.body.appendChild(form); form.submit(); }"
    )


def sign_out_event() -> rx.event.EventSpec:
    """Post to `/api/auth/logout`, which ends the session and clears the cookie."""
    return rx.call_function(_sign_out_function())


def session_handoff() -> rx.Component:
    """A hidden form that posts the ticket as soon as a handler sets it."""
    return rx.cond(
        HandoffState.ticket != "",
        rx.el.form(
            rx.el.input(type="hidden", name="ticket", value=HandoffState.ticket),
            id=_FORM_ID,
            method="post",
            action=f"{get_settings().backend_url}/api/auth/login",
            hidden=True,
            on_mount=rx.call_function(_SUBMIT_HANDOFF),
        ),
    )
