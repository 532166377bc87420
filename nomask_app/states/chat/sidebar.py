"""The conversation list: newest first, a page at a time, under date headings; and search.

Dates are grouped in the person's time zone, which the browser names once per
tab (`Intl.DateTimeFormat().resolvedOptions().timeZone`); until it has, and
for a name the server does not know, UTC.

The page keeps the list and gets changes to it (`rows`, a `ListPatch`): a
send moves one conversation to the top, and sending the whole list again
would cost every send ~100 bytes per conversation listed (issue 18, target 4).
"""

import asyncio
from datetime import datetime

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.models.common import utcnow
from nomask_app.services.chat import conversations
from nomask_app.services.chat.date_groups import DEFAULT_ZONE, valid_zone
from nomask_app.services.chat.search import search_conversations
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.chat.views import ConversationView, conversation_view, group_by_date
from nomask_app.states.common.changes import ListPatch, assign, patch_rows

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
            ConversationView(id=h.conversation_id, title=h.title, snippet=h.snippet) for h in hits
        ]


class SidebarState(SessionState):
    """What the sidebar lists."""

    # The list as rows: {"h": label} starts a date group, {"id", "title"} is an
    # entry (components/chat/sidebar_rows.js makes the groups again).
    rows: ListPatch = ListPatch()
    has_more: bool = False
    query: str = ""
    results: list[ConversationView] = []
    # The person's time zone as the browser named it ("" until it has).
    time_zone: str = ""
    # Server-side only: every loaded entry, newest first (the page gets `rows`).
    _conversations: list[ConversationView] = []
    _cursor: tuple[str, str] | None = None
    # Server-side only: what the page has of `rows` (changes.patch_rows).
    _rows_kept: tuple[str, list[dict], list[dict]] = ("", [], [])

    def _regroup(self, *, whole: bool = False) -> None:
        zone = self.time_zone or DEFAULT_ZONE
        rows: list[dict] = []
        for group in group_by_date(self._conversations, zone, utcnow()):
            rows.append({"h": group.label})
            rows.extend({"id": item.id, "title": item.title} for item in group.conversations)
        # After a send in the conversation already on top, nothing goes to the page.
        patch_rows(self, "rows", "_rows_kept", rows, whole=whole)

    @rx.event
    async def load(self):
        """The first page of conversations again, after a change (the page gets the change)."""
        await self._load()

    @rx.event
    async def open(self):
        """The first page of conversations for a page that opens: all of it.

        Each chat page that opens starts from the whole list, so a page that
        missed a change (its connection dropped) is right again.
        """
        await self._load(whole=True)

    async def _load(self, *, whole: bool = False) -> None:
        user = await self.current_user()
        if user is not None:
            await self._refresh(user.id, whole=whole)

    async def _refresh(self, user_id: str, *, whole: bool = False) -> None:
        """The first page of `user_id`'s conversations, whom the caller has checked."""
        views, has_more, cursor = await asyncio.to_thread(_page, user_id, None)
        self._conversations, self._cursor = views, cursor
        assign(self, has_more=has_more)
        self._regroup(whole=whole)
        if self.query:
            self.results = await asyncio.to_thread(_search, user_id, self.query)

    @rx.event
    def set_time_zone(self, name: str):
        """The browser's time zone: dates regroup in it (an unknown name means UTC)."""
        assign(self, time_zone=valid_zone(name))
        self._regroup()

    @rx.event
    async def load_more(self):
        """The next page of older conversations."""
        user = await self.current_user()
        if user is None or not self._cursor:
            return
        before = (datetime.fromisoformat(self._cursor[0]), self._cursor[1])
        views, has_more, cursor = await asyncio.to_thread(_page, user.id, before)
        self._conversations = [*self._conversations, *views]
        self.has_more, self._cursor = has_more, cursor
        self._regroup()

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
