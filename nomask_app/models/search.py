"""Full-text search over message text: SQLite FTS5 or a PostgreSQL GIN index.

The index is plain DDL that SQLModel cannot describe, so it is attached to
`create_all` here and created by the migration `0002_message_search`.
"""

from sqlalchemy import DDL, event

from nomask_app.models.chat import Message

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
