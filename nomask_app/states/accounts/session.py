"""Who is signed in, re-derived from the HttpOnly session cookie on every use.

The client can call any event handler with any arguments, so handlers that
touch user data call `current_user()` themselves instead of trusting a var.
"""

from http.cookies import CookieError, SimpleCookie

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.models import User
from nomask_app.services.accounts.sessions import SESSION_COOKIE, resolve_session, safe_next_path


def request_context(state: rx.State) -> dict[str, str]:
    """The browser's IP address and User-Agent, for sessions and security events."""
    return {
        "ip_address": state.router.session.client_ip,
        "user_agent": state.router.headers.user_agent,
    }


def lookup_user(token: str | None) -> User | None:
    """The user a session cookie belongs to, or None (a database query)."""
    with session_scope() as session:
        resolved = resolve_session(session=session, token=token)
    return resolved[0] if resolved else None


class SessionState(rx.State):
    """The signed-in person, as shown in the page chrome."""

    signed_in: bool = False
    user_name: str = ""
    user_email: str = ""
    _user_id: str = ""

    def _session_token(self) -> str | None:
        # The websocket's own request headers: never sent to the browser.
        raw = self.router.headers.cookie
        if not raw:
            return None
        cookies = SimpleCookie()
        try:
            cookies.load(raw)
        except CookieError:
            return None
        morsel = cookies.get(SESSION_COOKIE)
        return morsel.value if morsel else None

    def _context(self) -> dict[str, str]:
        return request_context(self)

    async def current_user(self) -> User | None:
        """Resolve the cookie to a user now; forget all view data of another identity."""
        return await self.remember_identity(lookup_user(self._session_token()))

    async def remember_identity(self, user: User | None) -> User | None:
        """Record who `lookup_user` found; reset every state if that is someone else.

        For handlers that look the user up in a worker thread of their own.
        """
        root = await self.get_state(SessionState)
        if root._user_id and (user is None or user.id != root._user_id):
            # Signed out, expired or someone else: reset this state and every
            # loaded substate, so nothing shown for the last identity survives.
            root.reset()
            root._user_id = ""
        if user is not None:
            root._user_id = user.id
            root.signed_in = True
            root.user_name = user.name
            root.user_email = user.email
        return user

    async def forget_tab(self) -> None:
        """Reset every state of this tab below `SessionState`, loaded or not.

        Reflex keeps a tab's states for an hour after its last event, on disk
        (``REFLEX_STATES_WORKDIR``) or in Redis: messages, names, addresses.
        Once an account is deleted, this tab's copy goes too. Each substate is
        loaded first, since a reset reaches only the loaded ones.
        """
        root = await self.get_state(SessionState)
        waiting = list(SessionState.get_substates())
        while waiting:
            substate = waiting.pop()
            await self.get_state(substate)
            waiting.extend(substate.get_substates())
        root.reset()
        root._user_id = ""

    @rx.event
    async def require_user(self):
        """On-load guard for pages behind sign-in."""
        if await self.current_user() is None:
            # The static build serves pages with a trailing slash; drop it.
            path = safe_next_path(self.router.url.path.rstrip("/") or "/")
            target = "/login" if path == "/" else f"/login?next={path}"
            return rx.redirect(target, replace=True)
        return None

    @rx.event
    async def redirect_if_signed_in(self):
        """On-load guard for the sign-in and sign-up pages."""
        if await self.current_user() is not None:
            return rx.redirect("/", replace=True)
        return None
