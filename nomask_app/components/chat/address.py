"""The address of a conversation started at `/` (`address.js` next to this file).

The first message of a new chat changes the address to `/chat/<id>` without
moving the page there. The router does not see that, so the sidebar's current
entry and the composer read the address from here.
"""

import reflex as rx
from reflex.vars import Var

from nomask_app.components.chat.kept_var import kept_var
from nomask_app.states.chat.conversation import ChatState

_SOURCE = rx.asset("address.js", shared=True)


class ShowAddress(rx.Component):
    """Renders nothing: shows the address of a conversation that the page at `/` starts."""

    library = _SOURCE.importable_path
    tag = "ShowAddress"

    conversation: Var[str]
    ready: Var[bool]


def show_address() -> rx.Component:
    """Keeps the address bar on the conversation that this page of `/` started."""
    return ShowAddress.create(conversation=ChatState.conversation_id, ready=rx.State.is_hydrated)


def conversation_in_address() -> Var[str]:
    """The id of the conversation in the page's address ("" at `/`)."""
    return kept_var("nmOpenConversation", str, _SOURCE, "useOpenConversation", "")
