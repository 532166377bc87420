"""The conversation list: newest first, a page at a time, and search."""

import asyncio
from datetime import datetime

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.chat import conversations
from nomask_app.services.chat.search import search_conversations
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.chat.views import ConversationView, conversation_view

QUERY_MAX = 200


def _page(user_id: str, before: tuple[datetime, str] | None):
    with session_scope() as session:
        rows = conversations.list_conversations(
            session=session, user_id=user_id, before=before, limit=conversations.PAGE_SIZE + 1
        )
        views = [conversation_view(row) for row in rows[: conversations.PAGE_SIZE]]
        last = rows[min(len(rows), conversations.PAGE_SIZE) - 1] if rows else None
        cursor = (last.updated_at.isoformat(), last.id) if last else None
        return views, len(rows) > conversations.PAGE_SIZE, cursor


def _search(user_id: str, query: str) -> list[ConversationView]:
    with session_scope() as session:
        hits = search_conversations(session=session, user_id=user_id, query=query)
        return [
            ConversationView(id=h.conversation_id, title=h.title, when="", snippet=h.snippet)
            for h in hits
        ]


class SidebarState(SessionState):
    """What the sidebar lists."""

    conversations: list[ConversationView] = []
    has_more: bool = False
    query: str = ""
    results: list[ConversationView] = []
    _cursor: tuple[str, str] | None = None

    @rx.event
    async def load(self):
        """The first page of conversations."""
        user = await self.current_user()
        if user is None:
            return
        views, has_more, cursor = await asyncio.to_thread(_page, user.id, None)
        self.conversations, self.has_more, self._cursor = views, has_more, cursor
        if self.query:
            self.results = await asyncio.to_thread(_search, user.id, self.query)

    @rx.event
    async def load_more(self):
        """The next page of older conversations."""
        user = await self.current_user()
        if user is None or not self._cursor:
            return
        before = (datetime.fromisoformat(self._cursor[0]), self._cursor[1])
        views, has_more, cursor = await asyncio.to_thread(_page, user.id, before)
        self.conversations = [*self.conversations, *views]
        self.has_more, self._cursor = has_more, cursor

    @rx.event
    async def search(self, query: str):
        """Search titles and message text as the person types."""
        user = await self.current_user()
        if user is None:
            return
        self.query = str(query)[:QUERY_MAX]
        self.results = (
            await asyncio.to_thread(_search, user.id, self.query) if self.query.strip() else []
        )
