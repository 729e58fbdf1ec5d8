"""The totals an assessment was submitted and appraised with (``assessments.self_total``,
``assessments.appraised_total``): a rubric with a bonus and a penalty no longer totals as a plain
sum, and a past year's total is what its report said. Reports submitted before are filled in
with the sum of their scores (the rubrics they used had neither bonus nor penalty).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("self_total", sa.Numeric(5, 1), nullable=True))
        batch.add_column(sa.Column("appraised_total", sa.Numeric(5, 1), nullable=True))
    op.execute(
        "UPDATE assessments SET self_total = (SELECT COALESCE(SUM(score), 0) FROM answers"
        " WHERE answers.assessment_id = assessments.id) WHERE status <> 'draft'"
    )
    op.execute(
        "UPDATE assessments SET appraised_total = (SELECT SUM(score) FROM appraisals"
        " WHERE appraisals.assessment_id = assessments.id) WHERE status = 'appraised'"
    )


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("appraised_total")
        batch.drop_column("self_total")
