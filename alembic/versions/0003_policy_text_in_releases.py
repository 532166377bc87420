"""policy text in releases: the newest release is the policy every process serves

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Releases published before this revision take their text from the bundled
# file of the same version, read here as it was written then (front matter
# between "---" lines, then the text): a migration must not change when the
# app code does.
POLICY_DIR = Path(__file__).resolve().parents[2] / "nomask_app" / "content" / "policy"


def _bundled_text(version: str) -> str:
    path = POLICY_DIR / f"{version}.md"
    if not path.is_file():
        return ""
    parts = path.read_text(encoding="utf-8").split("---\n", 2)
    return parts[2].strip() + "\n" if len(parts) == 3 else ""


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("policy_releases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("markdown", sa.Text(), server_default="", nullable=False))
    connection = op.get_bind()
    releases = sa.table("policy_releases", sa.column("version", sa.String), sa.column("markdown"))
    for (version,) in connection.execute(sa.select(releases.c.version)).all():
        text = _bundled_text(version)
        if text:
            connection.execute(
                releases.update().where(releases.c.version == version).values(markdown=text)
            )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("policy_releases", schema=None) as batch_op:
        batch_op.drop_column("markdown")
