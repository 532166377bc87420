"""Calling Reflex event handlers directly, as the websocket would, without a browser.

`root_state(cookie=...)` builds the whole state tree with the router data a
real connection carries (the session cookie in the websocket's headers);
`run(state, handler, *args)` calls one handler and returns what it returned
(the last value yielded, for handlers that yield); as after a real event, the
changed vars then count as sent (`_clean`).
"""

import inspect

from reflex.state import State
from reflex_base import constants

import nomask_app.nomask_app  # noqa: F401  (registers every state of the app)
from nomask_app.services.accounts.sessions import SESSION_COOKIE


def root_state(*, token: str = "", path: str = "/", ip: str = "203.0.113.7", query=None):
    """The root state of one browser tab signed in with `token` (or signed out)."""
    root = State(_reflex_internal_init=True)
    headers = {"user-agent": "pytest-browser/1.0", "origin": "http://localhost:3000"}
    if token:
        headers["cookie"] = f"{SESSION_COOKIE}={token}"
    data = {
        constants.RouteVar.HEADERS: headers,
        constants.RouteVar.PATH: path,
        constants.RouteVar.ORIGIN: path,
        constants.RouteVar.CLIENT_IP: ip,
        constants.RouteVar.QUERY: query or {},
        constants.RouteVar.CLIENT_TOKEN: "test-tab",
        constants.RouteVar.SESSION_ID: "test-sid",
    }
    root.router_data = root._update_router_vars(data, {})
    return root


def move_to(root, path: str) -> None:
    """The tab navigates to `path` (as React Router would report it with the next event)."""
    moved = {constants.RouteVar.PATH: path, constants.RouteVar.ORIGIN: path}
    root.router_data = root._update_router_vars(moved, root.router_data)


def reload(root, path: str, session_id: str = "test-sid-reloaded") -> None:
    """The tab's page is loaded again at `path`: same tab token, a new websocket session."""
    data = {
        constants.RouteVar.PATH: path,
        constants.RouteVar.ORIGIN: path,
        constants.RouteVar.SESSION_ID: session_id,
    }
    root.router_data = root._update_router_vars(data, root.router_data)


def substate(root, state_class):
    """The instance of `state_class` inside `root`'s tree."""
    return root.get_substate(state_class.get_full_name().split(".")[1:])


async def run(state, handler, *args):
    """Call an event handler's function on `state`; return its (last) result."""
    result = handler.fn(state, *args)
    if inspect.isasyncgen(result):
        last = None
        async for value in result:
            last = value if value is not None else last
    elif inspect.isawaitable(result):
        last = await result
    else:
        last = result
    state._get_root_state()._clean()
    return last


def sent_items(log) -> list[dict]:
    """The items of a chat `MessageLog` change, with the defaults the page fills in."""
    from nomask_app.states.chat.views import MESSAGE_DEFAULTS

    return [{**MESSAGE_DEFAULTS, **item} for item in log.items]
