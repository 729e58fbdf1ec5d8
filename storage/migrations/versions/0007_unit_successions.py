"""Units that succeed others from a date (the mergers of the two-level local government,
01/07/2025): ``unit_successions``. The new kinds of unit (sở, phường, thị trấn, đặc khu) need no
change: the kind is a short string.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unit_successions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("predecessor_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["predecessor_id"],
            ["units.id"],
            name=op.f("fk_unit_successions_predecessor_id_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["units.id"],
            name=op.f("fk_unit_successions_successor_id_units"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_successions")),
        sa.UniqueConstraint(
            "predecessor_id",
            "successor_id",
            name=op.f("uq_unit_successions_predecessor_id_successor_id"),
        ),
    )
    op.create_index(op.f("ix_unit_successions_successor_id"), "unit_successions", ["successor_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_successions_successor_id"), table_name="unit_successions")
    op.drop_table("unit_successions")
