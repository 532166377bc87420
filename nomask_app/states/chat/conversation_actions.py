"""Renaming and deleting the open conversation."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.chat import conversations
from nomask_app.services.chat.generation import jobs
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import files
from nomask_app.services.operations import audit
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.chat.conversation import ChatState
from nomask_app.states.chat.sidebar import SidebarState


def _rename(user_id: str, conversation_id: str, title: str) -> str:
    with session_scope() as session:
        return conversations.rename_conversation(
            session=session, user_id=user_id, conversation_id=conversation_id, title=title
        ).title


def _delete(user_id: str, conversation_id: str, context: dict[str, str]) -> None:
    with session_scope() as session:
        keys = conversations.delete_conversation(
            session=session, user_id=user_id, conversation_id=conversation_id
        )
        # Only the id: the trail never holds what the conversation said.
        audit.record_event(
            session=session,
            kind=audit.CONVERSATION_DELETED,
            user_id=user_id,
            conversation_id=conversation_id,
            **context,
        )
    files.remove_stored(keys)


class ConversationState(SessionState):
    """The rename and delete dialogs of the open conversation."""

    rename_open: bool = False
    rename_error: str = ""
    delete_open: bool = False

    @rx.event
    def set_rename_open(self, value: bool):
        """Open or close the rename dialog."""
        self.rename_open = bool(value)
        self.rename_error = ""

    @rx.event
    def set_delete_open(self, value: bool):
        """Open or close the delete confirmation."""
        self.delete_open = bool(value)

    @rx.event
    async def rename(self, form_data: dict):
        """Rename the open conversation."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        conversation = await self.get_state(ChatState)
        try:
            title = await asyncio.to_thread(
                _rename, user.id, conversation.conversation_id, str(form_data.get("title", ""))
            )
        except FieldErrors as problem:
            self.rename_error = problem.errors["title"]
            return None
        except NotFound:
            conversation.not_found = True
            self.rename_open = False
            return None
        conversation.title = title
        self.rename_open = False
        return SidebarState.load

    @rx.event
    async def delete(self):
        """Delete the open conversation with its messages and files."""
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        conversation = await self.get_state(ChatState)
        if conversation.streaming_id:
            await jobs.stop(message_id=conversation.streaming_id, user_id=user.id)
        try:
            await asyncio.to_thread(
                _delete,
                user.id,
                conversation.conversation_id,
                self._context(),
            )
        except NotFound:
            conversation.not_found = True
        self.delete_open = False
        return rx.redirect("/")
