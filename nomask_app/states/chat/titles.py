"""Naming a conversation after its first exchange (mixed into `ChatState`)."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.chat import titles
from nomask_app.states.chat.sidebar import SidebarState


def _request(user_id: str, reply_id: str) -> titles.TitleRequest | None:
    with session_scope() as session:
        return titles.title_request(session=session, user_id=user_id, reply_id=reply_id)


def _apply(user_id: str, request: titles.TitleRequest, title: str) -> str | None:
    with session_scope() as session:
        return titles.apply_title(session=session, user_id=user_id, request=request, title=title)


class ChatTitleMixin(rx.State, mixin=True):
    """Gives a conversation a summarising title once its first reply is complete."""

    @rx.event(background=True)
    async def name_conversation(self, reply_id: str):
        """Ask the model that answered for a title; runs after the reply, never before it."""
        async with self:
            user = await self.current_user()
        if user is None:
            return None
        request = await asyncio.to_thread(_request, user.id, str(reply_id))
        if request is None:
            return None
        title = await titles.ask_for_title(request)
        shown = await asyncio.to_thread(_apply, user.id, request, title)
        if shown is None:
            return None
        async with self:
            if self.conversation_id == request.conversation_id:
                self.title = shown
        return SidebarState.load
