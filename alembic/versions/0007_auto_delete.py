"""auto-delete: users choose to have untouched conversations deleted after 30, 90 or 365 days

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the choice (0: never) and when it was made."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("auto_delete_days", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("auto_delete_since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_check_constraint(
            "ck_users_auto_delete_days", "auto_delete_days IN (0, 30, 90, 365)"
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("ck_users_auto_delete_days", type_="check")
        batch_op.drop_column("auto_delete_since")
        batch_op.drop_column("auto_delete_days")
