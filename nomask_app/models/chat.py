"""Conversations and their messages (policy §1.2: kept until the user deletes them).

Also the full-text search index over message text (SQLite FTS5 or a
PostgreSQL GIN index), attached to `create_all` as plain DDL.
"""

from datetime import datetime

from sqlalchemy import DDL, Column, Index, Text, event
from sqlmodel import Field, SQLModel

from nomask_app.models.common import id_field, user_fk, utcnow


class Conversation(SQLModel, table=True):
    """One chat thread, owned by one user."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_user_recent", "user_id", "updated_at"),)

    id: str = id_field()
    user_id: str = user_fk()
    title: str = Field(default="New chat", max_length=200)
    title_is_auto: bool = True
    model: str = Field(default="", max_length=200)
    # Set for a temporary chat: the signed-in session it lives in (and dies with).
    temporary_session_id: str | None = Field(default=None, max_length=32, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Message(SQLModel, table=True):
    """A user message or an assistant reply, with what the reply cost.

    Messages form a tree: "Regenerate" and "Edit" add a sibling version of a
    message (same parent, same `seq`, the depth in the tree) instead of
    replacing it. `chosen` marks the version picked among its siblings;
    `on_path` marks the messages of the one path the page shows and a model
    sees (root to leaf through chosen versions), so reading it needs no walk.

    `status` is ``complete`` for finished messages, ``streaming`` while a reply
    is being generated (its content grows), ``stopped`` or ``failed``.
    """

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_seq", "conversation_id", "seq"),)

    id: str = id_field()
    conversation_id: str = Field(
        foreign_key="conversations.id", ondelete="CASCADE", index=True, max_length=32
    )
    user_id: str = user_fk()
    seq: int
    # The message before this one on its path (None for a first message).
    parent_id: str | None = Field(default=None, max_length=32, index=True)
    chosen: bool = True
    on_path: bool = True
    role: str = Field(max_length=16)
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="complete", max_length=16)
    error: str = Field(default="", max_length=500)
    # The model that answered (public id: the one picked until the reply ends,
    # or a fallback's when the picked one failed), and its provider deployment.
    model: str = Field(default="", max_length=200)
    deployment: str = Field(default="", max_length=200)
    provider: str = Field(default="", max_length=64)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    # How many earlier messages were left out to fit the model's context window.
    context_dropped: int = 0
    # Set by "Stop" when the reply is being written by another worker process.
    stop_requested: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# Full-text search over message text: SQLite FTS5 or a PostgreSQL GIN index.
# The index is plain DDL that SQLModel cannot describe, so it is attached to
# `create_all` here and created by the migration `0002_message_search`.

SEARCH_TABLE = "message_search"

# External-content FTS5 table kept in step with `messages` by triggers. It
# indexes the owner id too, so a search only walks that user's postings.
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE message_search USING fts5("
    "content, user_id, content='messages', content_rowid='rowid', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN "
    "INSERT INTO message_search(rowid, content, user_id) "
    "VALUES (new.rowid, new.content, new.user_id); END",
    "CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN "
    "INSERT INTO message_search(message_search, rowid, content, user_id) "
    "VALUES ('delete', old.rowid, old.content, old.user_id); END",
    "CREATE TRIGGER messages_search_update AFTER UPDATE OF content ON messages BEGIN "
    "INSERT INTO message_search(message_search, rowid, content, user_id) "
    "VALUES ('delete', old.rowid, old.content, old.user_id); "
    "INSERT INTO message_search(rowid, content, user_id) "
    "VALUES (new.rowid, new.content, new.user_id); END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS messages_search_update",
    "DROP TRIGGER IF EXISTS messages_search_delete",
    "DROP TRIGGER IF EXISTS messages_search_insert",
    "DROP TABLE IF EXISTS message_search",
]

POSTGRES_INDEX = "ix_messages_search"
POSTGRES_DDL = [
    "CREATE INDEX ix_messages_search ON messages USING gin (to_tsvector('simple', content))",
]


def include_in_autogenerate(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Keep the search index (FTS5 tables, GIN index) out of alembic's model comparison."""
    if type_ == "table" and name and name.startswith(SEARCH_TABLE):
        return False
    return not (type_ == "index" and name == POSTGRES_INDEX)


for _statement in SQLITE_DDL:
    event.listen(Message.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in SQLITE_DROP:
    event.listen(Message.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_DDL:
    event.listen(
        Message.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
