"""What nothing used goes: the "finalized" status, which nothing ever set (an assessment is
closed once the appraisal team decides its rating: any row that has it reads "appraised"), and
``assessments.report_key``, which nothing ever wrote.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE assessments SET status = 'appraised' WHERE status = 'finalized'")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("report_key")


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("report_key", sa.String(length=200), nullable=True))
    # "appraised" is a status 0004 knows: nothing to give back
