"""The list of messages the chat page shows, as a var the page keeps itself.

The server sends changes (`ChatState.log`, states/chat/shown.py); the React
side (`message_log.js` next to this file) applies them, in order, from the
state store, and gives the list to `rx.foreach`.
"""

import json

import reflex as rx
from reflex.vars import Var
from reflex_base.constants.state import FIELD_MARKER

from nomask_app.components.chat.kept_var import kept_var
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.views import MESSAGE_DEFAULTS, MessageView

_SOURCE = rx.asset("message_log.js", shared=True)
_NAME = "nmShownMessages"
_STATE = ChatState.get_full_name()
_FIELD = "log" + FIELD_MARKER
_DEFAULTS = json.dumps(MESSAGE_DEFAULTS)


class FollowShownMessages(rx.Component):
    """Renders nothing; applies every change to the list from the moment the page opens."""

    library = _SOURCE.importable_path
    tag = "FollowShownMessages"

    state: Var[str]
    field: Var[str]
    defaults: Var[dict]


def follow_shown_messages() -> rx.Component:
    """Put once on the chat page, outside anything shown only sometimes."""
    return FollowShownMessages.create(state=_STATE, field=_FIELD, defaults=MESSAGE_DEFAULTS)


def shown_messages() -> Var[list[MessageView]]:
    """The shown messages, in order, for `rx.foreach`."""
    arguments = f"{_STATE!r}, {_FIELD!r}, {_DEFAULTS}"
    return kept_var(_NAME, list[MessageView], _SOURCE, "useShownMessages", arguments)
