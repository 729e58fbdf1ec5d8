"""Assessment periods: dates checked, a period created with an assessment for each unit."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import assessments as repo
from storage.admin import AdminError
from storage.admin.units import children
from storage.models import (
    Assessment,
    Period,
    Status,
    Unit,
)


def check_dates(submit_by: date, appraise_by: date, report_by: date) -> None:
    if not submit_by <= appraise_by <= report_by:
        raise AdminError(
            "Các hạn phải theo thứ tự: hạn nộp ≤ hạn thẩm định ≤ hạn báo cáo "
            f"(đang là {submit_by:%d/%m/%Y}, {appraise_by:%d/%m/%Y}, {report_by:%d/%m/%Y})."
        )


async def find_period(s: AsyncSession, year: int, authority: Unit) -> Period | None:
    return await s.scalar(
        select(Period).where(Period.year == year, Period.authority_id == authority.id)
    )


async def ensure_assessments(s: AsyncSession, period: Period) -> int:
    """A draft assessment for every unit the period's authority appraises; how many were new."""
    existing = set(
        await s.scalars(select(Assessment.unit_id).where(Assessment.period_id == period.id))
    )
    units = await children(s, period.authority_id)
    for unit in units:
        await repo.get_or_create(s, unit.id, period.id)
    return len([u for u in units if u.id not in existing])


async def create_period(s: AsyncSession, authority: Unit, **fields: object) -> tuple[Period, int]:
    """A new period (refused when the authority already has one that year) and its assessments."""
    year = fields["year"]
    assert isinstance(year, int)
    if await find_period(s, year, authority):
        raise AdminError(
            f"Đã có kỳ đánh giá năm {year} của {authority.name} ({authority.code}). "
            f"Đổi hạn bằng: danvan period update --year {year} --authority {authority.code}"
        )
    if not await children(s, authority.id):
        raise AdminError(f"{authority.name} ({authority.code}) không thẩm định đơn vị nào.")
    period = Period(authority_id=authority.id, **fields)
    s.add(period)
    await s.flush()
    return period, await ensure_assessments(s, period)


async def periods(s: AsyncSession) -> list[tuple[Period, Unit, Counter[Status]]]:
    """Every period with its authority and how many assessments are in each status."""
    rows = await s.execute(
        select(Period, Unit)
        .join(Unit, Unit.id == Period.authority_id)
        .order_by(Period.year.desc(), Unit.code)
    )
    counts = await s.execute(
        select(Assessment.period_id, Assessment.status, func.count()).group_by(
            Assessment.period_id, Assessment.status
        )
    )
    by_period: dict[int, Counter[Status]] = {}
    for period_id, status, n in counts.all():
        by_period.setdefault(period_id, Counter())[status] = n
    return [(p, u, by_period.get(p.id, Counter())) for p, u in rows.all()]
