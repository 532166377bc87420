"""What an AI model was asked for each image it made: prompt, model and size.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:55:09.466924
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prompt", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(
            sa.Column(
                "model",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                server_default="",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "image_size",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                server_default="",
                nullable=False,
            )
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("stored_files", schema=None) as batch_op:
        batch_op.drop_column("image_size")
        batch_op.drop_column("model")
        batch_op.drop_column("prompt")
