"""An officer's "someone else changed your answer" is told by time, not by the assessment's
version: an answer no longer rewrites the assessment's row (one statement less per press), so
``positions.seen_version`` goes; ``positions.updated_at`` (the person's last step) is compared
with the newest change another person made.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("seen_version")


def downgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.add_column(sa.Column("seen_version", sa.Integer(), nullable=True))
