"""The audit trail of an assessment."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import assessments as repo
from storage.admin import AdminError
from storage.models import (
    NEWEST_PERIOD_FIRST,
    Assessment,
    AuditEvent,
    Period,
    Person,
    Unit,
)


async def assessment_of(s: AsyncSession, unit: Unit, year: int | None) -> tuple[Assessment, Period]:
    """The unit's assessment of ``year`` (default: the newest one)."""
    query = (
        select(Assessment, Period)
        .join(Period, Period.id == Assessment.period_id)
        .where(Assessment.unit_id == unit.id)
        .order_by(*NEWEST_PERIOD_FIRST)
    )
    if year is not None:
        query = query.where(Period.year == year)
    row = (await s.execute(query.limit(1))).first()
    if row is None:
        when = f" năm {year}" if year is not None else ""
        raise AdminError(f"{unit.name} ({unit.code}) chưa có bài tự đánh giá{when}.")
    return row[0], row[1]


async def audit_rows(
    s: AsyncSession, assessment_id: int, limit: int | None = None
) -> tuple[list[tuple[AuditEvent, str | None]], int]:
    """The newest ``limit`` audit events (oldest first) with the person's name, and the total."""
    trail = await repo.audit_trail(s, assessment_id)
    shown = trail[-limit:] if limit else trail
    ids = {e.person_id for e in shown if e.person_id is not None}
    found = await s.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    names = {person_id: name for person_id, name in found.all()}
    return [(e, names.get(e.person_id or 0)) for e in shown], len(trail)
