"""Versions of the open conversation: Regenerate, Edit (any user message) and < n/m >.

A mixin of `ChatState` (states/chat/conversation.py), so that the handlers
read and write the open conversation's own vars without importing it. Each
action changes which path of the message tree is shown, so the shown path is
loaded again after it (services.chat.branches keeps the tree).
"""

import asyncio

import reflex as rx

from nomask_app.services.chat import replies
from nomask_app.services.common.errors import NotFound
from nomask_app.states.chat import loaders as load

# Said when an action needs the reply being written to end first (regenerate,
# edit, switch versions); it goes once the reply has ended. The buttons
# stay enabled while a reply is written: disabling them all would change every
# message on the page twice per reply (the main-thread cost of a long chat).
WAIT_NOTICE = "Wait for the reply to finish, or stop it first."


class ChatVersionsMixin(rx.State, mixin=True):
    """Branching actions on the open conversation (mixed into `ChatState`)."""

    # The user message whose editor is open ("" for none).
    editing_id: str = ""

    async def _show_path(self, user_id: str) -> None:
        """Load the shown path again (what a branch change altered)."""
        try:
            loaded = await asyncio.to_thread(load.load_conversation, user_id, self.conversation_id)
        except NotFound:
            self.not_found = True
            return
        self._show_only(loaded.views)
        self.has_earlier = loaded.has_more
        self.streaming_id = next((v.id for v in loaded.views if v.stream_src), "")

    @rx.event
    async def regenerate(self):
        """Write the last reply again (also "Retry"); the earlier one stays a version."""
        if not self.conversation_id:
            return None
        prepared = await self._begin(replies.regenerate, conversation_id=self.conversation_id)
        if not isinstance(prepared, replies.PreparedReply):
            return prepared
        await self._show_path(prepared.turn.conversation.user_id)
        return None

    @rx.event
    def start_editing(self, message_id: str):
        """Show the editor for one of the person's messages (not while a reply is written)."""
        if self.streaming_id:
            self.editing_id, self.notice = "", WAIT_NOTICE
        else:
            self.editing_id = str(message_id)

    @rx.event
    def cancel_editing(self):
        """Close the editor without changes."""
        self.editing_id = ""

    @rx.event
    async def save_edit(self, form_data: dict):
        """Send the edited message as a new version: a new branch from there."""
        if not self.conversation_id or not self.editing_id:
            return None
        prepared = await self._begin(
            replies.edit_and_resend,
            message_id=self.editing_id,
            text=str(form_data.get("edited", "")),
        )
        if not isinstance(prepared, replies.PreparedReply):
            return prepared
        self.editing_id = ""
        await self._show_path(prepared.turn.conversation.user_id)
        return None

    @rx.event
    async def show_version(self, message_id: str, step: int):
        """Show the previous (-1) or next (+1) version of a message and its branch."""
        user = await self.current_user()
        if user is None:
            return self.require_user
        if self.streaming_id:
            self.notice = WAIT_NOTICE
            return None
        if int(step) not in (-1, 1):
            return None
        switched = await asyncio.to_thread(load.switch_version, user.id, str(message_id), int(step))
        if switched is None or switched != self.conversation_id:
            return None
        self.editing_id = ""
        await self._show_path(user.id)
        return None
