"""Each officer's own place in an assessment (positions); the inbox of channel updates
(replaces processed_updates); the chat's open question kept across restarts.

Data: an assessment's cursor becomes the position of each officer of its unit (so an officer
in the middle of a question continues there); processed update ids become handled and
answered inbox rows (a redelivery of one of them is still recognised).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 20:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "positions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.String(length=80), nullable=True),
        sa.Column("return_to", sa.String(length=80), nullable=True),
        sa.Column("seen_version", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_positions_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_positions_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positions")),
        sa.UniqueConstraint(
            "person_id", "assessment_id", name=op.f("uq_positions_person_id_assessment_id")
        ),
    )
    op.create_index(
        op.f("ix_positions_assessment_id"), "positions", ["assessment_id"], unique=False
    )
    op.execute(
        """
        INSERT INTO positions (person_id, assessment_id, cursor, return_to)
        SELECT DISTINCT m.person_id, a.id, a.cursor, a.return_to
        FROM assessments a
        JOIN memberships m ON m.unit_id = a.unit_id AND m.role = 'officer'
        WHERE a.cursor IS NOT NULL OR a.return_to IS NOT NULL
        """
    )
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("cursor")
        batch.drop_column("return_to")

    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("update_key", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("chat_id", sa.String(length=64), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
        sa.UniqueConstraint("channel", "update_key", name=op.f("uq_inbox_channel_update_key")),
    )
    op.create_index("ix_inbox_received_at", "inbox", ["received_at"], unique=False)
    op.execute(
        """
        INSERT INTO inbox (channel, update_key, received_at, handled_at, answered_at)
        SELECT channel, update_id, at, at, at FROM processed_updates
        """
    )
    op.drop_table("processed_updates")

    with op.batch_alter_table("identities") as batch:
        batch.add_column(sa.Column("open_prompt", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("identities") as batch:
        batch.drop_column("open_prompt")
    op.create_table(
        "processed_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("update_id", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_updates")),
        sa.UniqueConstraint(
            "channel", "update_id", name=op.f("uq_processed_updates_channel_update_id")
        ),
    )
    op.execute(
        """
        INSERT INTO processed_updates (channel, update_id, at)
        SELECT channel, update_key, received_at FROM inbox WHERE handled_at IS NOT NULL
        """
    )
    op.drop_index("ix_inbox_received_at", table_name="inbox")
    op.drop_table("inbox")
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("cursor", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("return_to", sa.String(length=80), nullable=True))
    op.drop_index(op.f("ix_positions_assessment_id"), table_name="positions")
    op.drop_table("positions")
