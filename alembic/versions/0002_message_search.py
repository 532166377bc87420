"""message search: SQLite FTS5 table with triggers, or a PostgreSQL GIN index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Copied from the models (now nomask_app/models/chat.py) when this revision was written:
# a migration must not change when the app code does.
SQLITE_UP = [
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
    # Index what is already there.
    "INSERT INTO message_search(message_search) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS messages_search_update",
    "DROP TRIGGER IF EXISTS messages_search_delete",
    "DROP TRIGGER IF EXISTS messages_search_insert",
    "DROP TABLE IF EXISTS message_search",
]
POSTGRES_UP = [
    "CREATE INDEX ix_messages_search ON messages USING gin (to_tsvector('simple', content))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_messages_search"]


def _run(sqlite: list[str], postgres: list[str]) -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": sqlite, "postgresql": postgres}.get(dialect, []):
        op.execute(statement)


def upgrade() -> None:
    """Create the full-text index."""
    _run(SQLITE_UP, POSTGRES_UP)


def downgrade() -> None:
    """Drop the full-text index."""
    _run(SQLITE_DOWN, POSTGRES_DOWN)
