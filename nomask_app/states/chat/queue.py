"""A message written while a reply streams waits its turn ("Queued").

A mixin of `ChatState` (states/chat/conversation.py): `send` queues the text while
a reply is being written, and the end of that reply sends it through
`send` again, with every check a typed message gets. Cancelling, or a queued
send that is refused, puts the text back into the composer in front of any draft
(`composer.jsx` does the merge: only the browser knows the draft).
"""

import reflex as rx

from nomask_app.config import get_settings
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.chat.views import COMPOSER_ID

# Key of the form data `send` gets for a queued message: a refusal then puts the
# text back into the composer (where a typed message already is).
FROM_QUEUE = "from_queue"


class ChatQueueMixin(rx.State, mixin=True):
    """The queued message of the open conversation (mixed into `ChatState`)."""

    queued: str = ""
    # Text for the composer to take back; cleared once the page has it.
    restore_text: str = ""

    def _queue(self, text: str):
        """Hold `text` until the reply ends; several are joined into one message."""
        if not text.strip():
            return None
        joined = f"{self.queued}\n\n{text}" if self.queued else text
        if len(joined) > get_settings().max_message_chars:
            self.notice = "The queued message is too long. Wait for the reply to finish."
            return None
        self.queued = joined
        return rx.set_value(COMPOSER_ID, "")

    def _give_back(self, text: str) -> None:
        """Put `text` back into the composer."""
        if text:
            self.restore_text = f"{self.restore_text}\n\n{text}" if self.restore_text else text

    def _take_queued(self) -> str:
        text, self.queued = self.queued, ""
        return text

    @rx.event
    async def cancel_queued(self):
        """Cancel the queued message: its text goes back into the composer."""
        if await self.current_user() is None:
            return SessionState.require_user
        self._give_back(self._take_queued())
        return None

    @rx.event
    async def restored(self):
        """The composer took the text back."""
        if await self.current_user() is None:
            return SessionState.require_user
        self.restore_text = ""
        return None
