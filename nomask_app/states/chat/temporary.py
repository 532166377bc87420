"""The "Temporary chat" switch: chats that are not saved past the session.

The rules (left out of the list, search and export; deleted at sign-out and
by the sweep) live in services/chat/temporary.py. This tab also discards its
temporary chat as soon as the person leaves it: switching the mode off,
starting a new chat, or opening another conversation.
"""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.chat import temporary
from nomask_app.services.images import files
from nomask_app.states.accounts.session import SessionState


def _discard(user_id: str, conversation_id: str) -> None:
    with session_scope() as session:
        keys = temporary.discard(session=session, user_id=user_id, conversation_id=conversation_id)
    files.remove_stored(keys)


class TemporaryChatMixin(rx.State, mixin=True):
    """The switch and the temporary chat this tab shows (for ChatState)."""

    temporary: bool = False
    # Server-side only: the temporary chat on screen, discarded once left.
    _temporary_id: str = ""

    async def _leave_temporary(self, user_id: str, next_id: str = "") -> None:
        """Discard the temporary chat on screen unless `next_id` is that chat."""
        if self._temporary_id and self._temporary_id != next_id:
            await asyncio.to_thread(_discard, user_id, self._temporary_id)
            self._temporary_id = ""

    @rx.event
    async def set_temporary(self, on: bool):
        """Switch temporary chats on or off; either way a fresh chat opens."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        self.temporary = bool(on)
        await self._leave_temporary(user.id)
        if self.conversation_id or self._conversation_in_url():
            return rx.redirect("/")
        return None
