"""Searching a person's conversations by title and message text.

Message text goes through the full-text index (SQLite FTS5, PostgreSQL GIN
over `to_tsvector`); titles are few per person and matched directly.
Every stored version of a message is searched, not only the shown path: an
earlier version is the person's text too, one "< n / m >" click away.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from nomask_app.models import Conversation
from nomask_app.services.chat.conversations import saved

_WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 8


@dataclass(frozen=True)
class SearchHit:
    """A conversation that matched, with where it matched."""

    conversation_id: str
    title: str
    snippet: str
    updated_at: datetime


def _terms(query: str) -> list[str]:
    return _WORD.findall(query.lower())[:MAX_TERMS]


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_conversations(
    *, session: Session, user_id: str, query: str, limit: int = 30
) -> list[SearchHit]:
    """Conversations of `user_id` whose title or messages match `query`.

    Every word must match (the last one as a prefix, for search-as-you-type).
    Title matches come first, then conversations with matching messages, newest first.
    """
    terms = _terms(query)
    if not terms:
        return []
    phrase = " ".join(query.split())
    titled = session.exec(
        select(Conversation)
        .where(
            saved(user_id),
            col(Conversation.title).ilike(_like_pattern(phrase), escape="\\"),
        )
        .order_by(col(Conversation.updated_at).desc())
        .limit(limit)
    ).all()
    hits = [SearchHit(c.id, c.title, "", c.updated_at) for c in titled]
    seen = {hit.conversation_id for hit in hits}
    dialect = session.get_bind().dialect.name
    rows = (
        _sqlite_messages(session, user_id, terms, limit * 3)
        if dialect == "sqlite"
        else _postgres_messages(session, user_id, terms, limit * 3)
    )
    for conversation_id, snippet in rows:
        if conversation_id in seen or len(hits) >= limit:
            continue
        seen.add(conversation_id)
        conversation = session.get(Conversation, conversation_id)
        # Temporary chats are not searchable; their messages are in the index meanwhile.
        if (
            conversation is not None
            and conversation.user_id == user_id
            and conversation.temporary_session_id is None
        ):
            hits.append(
                SearchHit(conversation_id, conversation.title, snippet, conversation.updated_at)
            )
    return hits


def _sqlite_messages(session: Session, user_id: str, terms: list[str], limit: int):
    quoted = [f'"{term}"' for term in terms]
    quoted[-1] += "*"
    match = f'user_id : "{user_id}" AND content : ({" AND ".join(quoted)})'
    return session.exec(
        text(
            "SELECT m.conversation_id, snippet(message_search, 0, '', '', '…', 12) "
            "FROM message_search JOIN messages m ON m.rowid = message_search.rowid "
            # Newest first lets FTS5 walk its index backwards and stop early,
            # instead of ranking every match of a common word.
            "WHERE message_search MATCH :match ORDER BY message_search.rowid DESC LIMIT :limit"
        ),
        params={"match": match, "limit": limit},
    ).all()


def _postgres_messages(session: Session, user_id: str, terms: list[str], limit: int):
    query = " & ".join([*terms[:-1], f"{terms[-1]}:*"])
    return session.exec(
        text(
            "SELECT conversation_id, ts_headline('simple', content, q, "
            '\'MaxWords=14, MinWords=6, StartSel="", StopSel=""\') '
            "FROM (SELECT conversation_id, content, q FROM messages, "
            "to_tsquery('simple', :query) AS q "
            "WHERE user_id = :user_id AND to_tsvector('simple', content) @@ q "
            "ORDER BY created_at DESC LIMIT :limit) AS found"
        ),
        params={"query": query, "user_id": user_id, "limit": limit},
    ).all()
