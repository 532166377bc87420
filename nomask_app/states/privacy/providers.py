"""The privacy center's "What AI providers received": per provider, counts and conversations."""

import asyncio
import dataclasses

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.integrations.llm_models import provider_label
from nomask_app.services.privacy import provider_ledger
from nomask_app.states.accounts.session import SessionState

DELETED = "(deleted conversation)"


@dataclasses.dataclass
class ConversationLink:
    """A conversation a provider received messages from (its link, unless deleted)."""

    title: str = ""
    href: str = ""


@dataclasses.dataclass
class ProviderView:
    """One provider as the privacy center shows it."""

    name: str = ""
    summary: str = ""
    conversations: list[ConversationLink] = dataclasses.field(default_factory=list)
    more: str = ""


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def describe(entry: provider_ledger.ProviderSummary) -> ProviderView:
    """Sentences about what one provider received."""
    parts = []
    if entry.messages or not entry.images:
        parts.append(
            f"{_plural(entry.messages, 'message')} from "
            f"{_plural(entry.conversations, 'conversation')}"
        )
    if entry.images:
        parts.append(_plural(entry.images, "image request"))
    last = f"{entry.last_at:%d %B %Y, %H:%M} UTC" if entry.last_at else "never"
    summary = (
        f"{', '.join(parts)} in {_plural(entry.requests, 'request')}; the last on {last}. "
        f"Tokens: {entry.prompt_tokens:,} sent, {entry.completion_tokens:,} received."
    )
    links = [
        ConversationLink(title or DELETED, f"/chat/{cid}" if title is not None else "")
        for cid, title in entry.latest_conversations
    ]
    hidden = entry.conversations - len(links)
    more = f"and {_plural(hidden, 'earlier conversation')}" if hidden > 0 else ""
    return ProviderView(provider_label(entry.provider), summary, links, more)


def _views(user_id: str) -> list[ProviderView]:
    with session_scope() as session:
        found = provider_ledger.summary(session=session, user_id=user_id)
    return [describe(entry) for entry in found]


class ProvidersState(SessionState):
    """Who received what, newest provider first."""

    providers: list[ProviderView] = []

    @rx.event
    async def load(self):
        """On-load: the summary per provider."""
        user = await self.current_user()
        if user is None:
            return
        self.providers = await asyncio.to_thread(_views, user.id)
