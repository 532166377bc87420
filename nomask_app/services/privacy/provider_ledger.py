"""What each AI provider received (policy §3 names AI providers as recipients).

Every request that carries a person's data to a provider is recorded before
it leaves, in the transaction that stores what it answers (a chat turn), or
in one of its own (an image request): which conversation and which messages
or files, which provider and model, when; then, when it ends, which
deployment answered, the tokens counted and how it ended. Ids only: no
content is copied into the record.

The privacy center shows a summary per provider, the export includes every
record (``ai_providers.json``), and deleting the account erases them. The
built-in offline demo models answer on this server: nothing leaves, nothing
is recorded.
"""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from nomask_app.integrations.llm_models import DEMO_PROVIDER
from nomask_app.models import Conversation, ProviderRequest
from nomask_app.models.common import utcnow

CHAT = "chat"
IMAGE_GENERATE = "image_generate"
IMAGE_EDIT = "image_edit"
CONVERSATIONS_SHOWN = 10


def record(
    *,
    session: Session,
    user_id: str,
    provider: str,
    model: str,
    kind: str = CHAT,
    conversation_id: str | None = None,
    reply_message_id: str | None = None,
    message_ids: Iterable[str] = (),
    file_ids: Iterable[str] = (),
) -> ProviderRequest | None:
    """Record a request about to go to `provider` (the caller commits before it is sent).

    Returns:
        The record, or None for a model that answers on this server.
    """
    if provider == DEMO_PROVIDER:
        return None
    row = ProviderRequest(
        user_id=user_id,
        kind=kind,
        provider=provider[:64],
        model=model[:200],
        conversation_id=conversation_id,
        reply_message_id=reply_message_id,
        message_ids=json.dumps(list(message_ids)),
        file_ids=json.dumps(list(file_ids)),
    )
    session.add(row)
    return row


def complete(
    *,
    session: Session,
    status: str,
    request_id: str | None = None,
    reply_message_id: str | None = None,
    provider: str = "",
    deployment: str = "",
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    tried: tuple[tuple[str, str], ...] = (),
) -> None:
    """Note how a recorded request ended and where it went (found by id or by its reply).

    Args:
        session: Database session (the caller commits).
        status: ``complete``, ``stopped`` or ``failed``.
        request_id: The record's id.
        reply_message_id: Or the reply it was sent for.
        provider: The provider that answered, as the reply credits it.
        deployment: The deployment that answered.
        prompt_tokens: Tokens counted by the provider.
        completion_tokens: Tokens counted by the provider.
        tried: (deployment, provider) for each deployment the request went to,
            in order. The record stands for the last one, which gave the
            outcome; each earlier one failed over, after receiving it all the
            same, and gets a record of its own.
    """
    if request_id:
        row = session.get(ProviderRequest, request_id)
    elif reply_message_id:
        row = session.exec(
            select(ProviderRequest).where(ProviderRequest.reply_message_id == reply_message_id)
        ).first()
    else:
        row = None
    if row is None:
        return
    now = utcnow()
    for earlier, earlier_provider in tried[:-1]:
        session.add(
            ProviderRequest(
                **row.model_dump(exclude={"id", "deployment", "provider", "status", "finished_at"}),
                deployment=earlier[:200],
                provider=(earlier_provider or row.provider)[:64],
                status="failed",
                finished_at=now,
            )
        )
    if tried:
        deployment, provider = tried[-1][0], tried[-1][1] or provider
    row.status = status[:16]
    row.provider = (provider or row.provider)[:64]
    row.deployment = deployment[:200]
    row.prompt_tokens, row.completion_tokens = prompt_tokens, completion_tokens
    row.finished_at = now
    session.add(row)


@dataclass
class ProviderSummary:
    """What one provider received from one person."""

    provider: str
    requests: int = 0
    messages: int = 0  # distinct messages: a conversation's history is resent each turn
    images: int = 0  # image requests (generate or edit)
    conversations: int = 0
    latest_conversations: list[tuple[str, str | None]] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    last_at: datetime | None = None


def summary(*, session: Session, user_id: str) -> list[ProviderSummary]:
    """Per provider, newest first: how many messages, which conversations (title or None)."""
    rows = session.exec(
        select(
            ProviderRequest.provider,
            ProviderRequest.kind,
            ProviderRequest.conversation_id,
            ProviderRequest.message_ids,
            ProviderRequest.prompt_tokens,
            ProviderRequest.completion_tokens,
            ProviderRequest.created_at,
        )
        .where(ProviderRequest.user_id == user_id)
        .order_by(col(ProviderRequest.created_at).desc(), col(ProviderRequest.id).desc())
    ).all()
    found: dict[str, ProviderSummary] = {}
    messages: dict[str, set[str]] = {}
    conversations: dict[str, list[str]] = {}
    for row in rows:
        entry = found.get(row.provider)
        if entry is None:  # rows come newest first
            entry = found[row.provider] = ProviderSummary(row.provider, last_at=row.created_at)
        entry.requests += 1
        entry.images += row.kind != CHAT
        entry.prompt_tokens += row.prompt_tokens
        entry.completion_tokens += row.completion_tokens
        messages.setdefault(row.provider, set()).update(json.loads(row.message_ids or "[]"))
        seen = conversations.setdefault(row.provider, [])
        if row.conversation_id and row.conversation_id not in seen:
            seen.append(row.conversation_id)
    wanted = {cid for ids in conversations.values() for cid in ids[:CONVERSATIONS_SHOWN]}
    titles = dict(
        session.exec(
            select(Conversation.id, Conversation.title).where(
                Conversation.user_id == user_id, col(Conversation.id).in_(wanted)
            )
        ).all()
    )
    for provider, entry in found.items():
        entry.messages = len(messages[provider])
        entry.conversations = len(conversations[provider])
        entry.latest_conversations = [
            (cid, titles.get(cid)) for cid in conversations[provider][:CONVERSATIONS_SHOWN]
        ]
    return list(found.values())


def records(*, session: Session, user_id: str) -> Iterator[dict[str, Any]]:
    """``ai_providers.json`` in the export: every request, oldest first."""
    query = (
        select(ProviderRequest)
        .where(ProviderRequest.user_id == user_id)
        .order_by(col(ProviderRequest.created_at), col(ProviderRequest.id))
    )
    for row in session.exec(query):
        yield {
            "kind": row.kind,
            "provider": row.provider,
            "model": row.model,
            "deployment": row.deployment,
            "conversation_id": row.conversation_id,
            "reply_message_id": row.reply_message_id,
            "message_ids": json.loads(row.message_ids or "[]"),
            "file_ids": json.loads(row.file_ids or "[]"),
            "status": row.status,
            "prompt_tokens": row.prompt_tokens,
            "completion_tokens": row.completion_tokens,
            "created_at": row.created_at,
            "finished_at": row.finished_at,
        }
