"""Score and rating changes audited by triggers (``storage.audit_triggers``): the audit event
of a score or rating is written by the statement that changes it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from storage import audit_triggers

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    audit_triggers.create(op.execute, op.get_bind().dialect.name)


def downgrade() -> None:
    audit_triggers.drop(op.execute, op.get_bind().dialect.name)
