"""The "Copy" button of a message: its Markdown source goes to the clipboard.

The React side lives in `message_copy.jsx` next to this file.
"""

import reflex as rx
from reflex.vars import Var

from nomask_app.states.chat.views import MessageView

_SOURCE = rx.asset("message_copy.jsx", shared=True)
# Shared with chat_markdown.jsx, which imports it from here.
rx.asset("reply_texts.js", shared=True)


class MessageCopy(rx.Component):
    """A "Copy" button with a live region that confirms the copy."""

    library = _SOURCE.importable_path
    tag = "MessageCopy"

    text: Var[str]
    message_id: Var[str]


def copy_button(message: MessageView) -> rx.Component:
    """The "Copy" button of one message (hidden while its reply is still being written)."""
    return rx.cond(
        message.status != "streaming",
        MessageCopy.create(text=message.content, message_id=message.id),
    )
