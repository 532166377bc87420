"""temporary chats: a conversation may belong to one signed-in session and end with it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the session a temporary chat lives in (NULL: a saved conversation)."""
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "temporary_session_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True
            )
        )
        batch_op.create_index(
            batch_op.f("ix_conversations_temporary_session_id"),
            ["temporary_session_id"],
            unique=False,
        )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conversations_temporary_session_id"))
        batch_op.drop_column("temporary_session_id")
