"""Who signs: how a unit's signer signs (TM., KT., own title); the signer's title and way of
signing kept with each submitted assessment, beside the name it already had.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 22:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("sign_as", sa.String(length=8), nullable=True))
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("signer_title", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("sign_as", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("sign_as")
        batch.drop_column("signer_title")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("sign_as")
