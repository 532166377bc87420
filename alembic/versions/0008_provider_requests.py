"""provider requests: what each AI provider received on a person's behalf (ids, no content)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table of provider requests."""
    op.create_table(
        "provider_requests",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("conversation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("reply_message_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("message_ids", sa.Text(), nullable=False),
        sa.Column("file_ids", sa.Text(), nullable=False),
        sa.Column("provider", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("deployment", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("provider_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_provider_requests_reply_message_id"), ["reply_message_id"], unique=False
        )
        batch_op.create_index(
            "ix_provider_requests_user_created", ["user_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_provider_requests_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("provider_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provider_requests_user_id"))
        batch_op.drop_index("ix_provider_requests_user_created")
        batch_op.drop_index(batch_op.f("ix_provider_requests_reply_message_id"))

    op.drop_table("provider_requests")
