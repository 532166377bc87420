"""Who is signed in, re-derived from the HttpOnly session cookie on every use.

The client can call any event handler with any arguments, so handlers that
touch user data call `current_user()` themselves instead of trusting a var.
"""

import asyncio
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlencode

import reflex as rx
from reflex.app import default_backend_exception_handler
from reflex.event import EventSpec
from reflex.state import _cache_per_class, _override_base_method
from reflex.utils import format

from nomask_app.db import session_scope
from nomask_app.models import User
from nomask_app.services.accounts.sessions import SESSION_COOKIE, resolve_session, safe_next_path
from nomask_app.states.common.changes import assign
from nomask_app.states.common.problem import ProblemState


def request_context(state: rx.State) -> dict[str, str]:
    """The browser's IP address and User-Agent, for sessions and security events."""
    return {
        "ip_address": state.router.session.client_ip,
        "user_agent": state.router.headers.user_agent,
    }


SIGN_IN_PATH = "/login"


class SessionEnded(Exception):
    """This tab's session stopped working: signed out elsewhere, expired or suspended.

    Raised by `current_user` when a tab that was signed in still carries its
    session cookie but the cookie no longer resolves; `on_backend_error` turns
    it into a move to the sign-in page that says so, whatever the handler was.

    Attributes:
        path: The page the tab was on, to return to after signing in again.
    """

    def __init__(self, path: str = "/") -> None:
        super().__init__(path)
        self.path = path


def login_path(path: str, *, ended: bool = False) -> str:
    """The sign-in page, returning to `path` afterwards; `ended` says the session was ended."""
    path = safe_next_path(path.rstrip("/") or "/")  # the static build adds a trailing slash
    query = {"ended": "1"} if ended else {}
    if path != "/":
        query["next"] = path
    return SIGN_IN_PATH + (f"?{urlencode(query, safe='/')}" if query else "")


def _is_sign_in_page(path: str) -> bool:
    return path.rstrip("/") == SIGN_IN_PATH


def on_backend_error(exception: Exception) -> EventSpec | None:
    """The app's handler of errors raised by event handlers (rx.App backend_exception_handler).

    A lost session leads to the sign-in page. Anything else is logged by
    Reflex's default handler, whose toast the CSP would refuse (it is sent as
    a string to evaluate), and shown as the page's problem notice instead.
    """
    if isinstance(exception, SessionEnded):
        return rx.redirect(login_path(exception.path, ended=True), replace=True)
    default_backend_exception_handler(exception)
    return ProblemState.show()


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

    # Reflex's own markers: one lets a state replace a framework method, the
    # other computes the name once per class (it is read on every event).
    @classmethod
    @_cache_per_class
    @_override_base_method
    def get_name(cls) -> str:
        """This state's name in events and updates: its class name in snake case.

        Reflex names a state after its module and class
        (`nomask_app___states___chat___conversation____chat_state`), and every
        event a page sends and every update it receives spells out the names of
        the state and all its parents: about 90 bytes of each websocket message
        of a send, for the session state and the chat state alone. The class
        name is enough: Reflex refuses a second substate of the same name under
        one parent, and the name no longer changes when a module moves.

        Returns:
            The class name in snake case, e.g. `chat_state`.
        """
        return format.to_snake_case(cls.__name__)

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
        """Resolve the cookie to a user now; forget all view data of another identity.

        The lookup runs in a worker thread: its database round trips would
        otherwise stall every reply and event this worker is serving.
        """
        user = await asyncio.to_thread(lookup_user, self._session_token())
        return await self.remember_identity(user)

    async def remember_identity(self, user: User | None, page: str = "") -> User | None:
        """Record who `lookup_user` found; reset every state if that is someone else.

        For handlers that look the user up in a worker thread of their own.
        Reflex runs this on the `SessionState` instance whichever substate
        calls it, so a substate that knows the page better than the router
        does passes it as `page` (the page to return to after signing in).

        Raises:
            SessionEnded: this tab was signed in, and its session cookie stopped working.
        """
        root = await self.get_state(SessionState)
        if root._user_id and (user is None or user.id != root._user_id):
            # Signed out, expired or someone else: reset this state and every
            # loaded substate, so nothing shown for the last identity survives.
            root.reset()
            root._user_id = ""
            # The cookie is still here but no longer works (a deliberate sign-out
            # deletes it): the session was ended from elsewhere. Not on the sign-in
            # page itself: a handler that raises is not saved by Reflex's Redis
            # state manager, so the reset above only sticks once a handler returns,
            # and raising there too would send the tab round in a redirect loop.
            path = page or self.router.url.path
            if user is None and self._session_token() and not _is_sign_in_page(path):
                raise SessionEnded(path)
        if user is not None:
            root._user_id = user.id
            assign(root, signed_in=True, user_name=user.name, user_email=user.email)
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
            return rx.redirect(login_path(self.router.url.path), replace=True)
        return None

    @rx.event
    async def redirect_if_signed_in(self):
        """On-load guard for the sign-in and sign-up pages."""
        if await self.current_user() is not None:
            return rx.redirect("/", replace=True)
        return None
