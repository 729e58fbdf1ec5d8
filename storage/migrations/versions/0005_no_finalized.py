"""An assessment is closed once the appraisal team decides its rating ("appraised"): the
"finalized" status, which nothing ever set, goes; any row that has it reads "appraised".

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE assessments SET status = 'appraised' WHERE status = 'finalized'")


def downgrade() -> None:
    pass  # "appraised" is a status 0004 knows; nothing to give back
