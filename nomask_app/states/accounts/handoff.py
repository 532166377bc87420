"""Handing a verified sign-in from the websocket to the HttpOnly cookie route.

Only an HTTP response can set an HttpOnly cookie, so after a handler has
checked the credentials it stores a single-use ticket in `ticket`; the page
then posts it to `POST /api/auth/login` in a full page load.
"""

import reflex as rx


class HandoffState(rx.State):
    """The ticket waiting to be posted; empty almost all the time."""

    ticket: str = ""
