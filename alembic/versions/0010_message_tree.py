"""message tree: regenerated and edited messages keep their earlier versions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain ADD COLUMN, not a batch copy: copying `messages` on SQLite would drop
# the triggers that keep the full-text index in step.


def upgrade() -> None:
    """Add parent, chosen and on-path; existing conversations become one linear path."""
    op.add_column(
        "messages",
        sa.Column("parent_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )
    op.add_column(
        "messages", sa.Column("chosen", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column(
        "messages", sa.Column("on_path", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.create_index("ix_messages_parent_id", "messages", ["parent_id"], unique=False)
    op.execute(
        "UPDATE messages SET parent_id = (SELECT earlier.id FROM messages AS earlier "
        "WHERE earlier.conversation_id = messages.conversation_id "
        "AND earlier.seq < messages.seq ORDER BY earlier.seq DESC LIMIT 1)"
    )


def downgrade() -> None:
    """Keep only the chosen path, then drop the columns."""
    op.execute("DELETE FROM messages WHERE NOT on_path")
    op.drop_index("ix_messages_parent_id", table_name="messages")
    with op.batch_alter_table("messages", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("on_path")
        batch_op.drop_column("chosen")
        batch_op.drop_column("parent_id")
