"""Link codes: an invite may name the person whose account on another channel it links.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invites") as batch:
        batch.add_column(sa.Column("person_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_invites_person_id"), ["person_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_invites_person_id_persons"),
            "persons",
            ["person_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("invites") as batch:
        batch.drop_constraint(batch.f("fk_invites_person_id_persons"), type_="foreignkey")
        batch.drop_index(batch.f("ix_invites_person_id"))
        batch.drop_column("person_id")
