"""Queries of the appraisal: an authority's units, their status, the authority's scores."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Answer,
    Appraisal,
    Assessment,
    AuditEvent,
    Evidence,
    Identity,
    Membership,
    Period,
    Person,
    Role,
    Status,
    Unit,
    newest_period_id,
)


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    assessment: Assessment | None
    answered: int
    self_total: Decimal
    files: int
    unreachable: int = 0  # officers who blocked the bot (a reminder was refused)


async def authorities(s: AsyncSession, person_id: int) -> list[tuple[Unit, Period | None]]:
    """The appraising units the person appraises for, each with its newest period (one query)."""
    rows = await s.execute(
        select(Unit, Period)
        .join(Membership, Membership.unit_id == Unit.id)
        .outerjoin(Period, Period.id == newest_period_id(Unit.id))
        .where(
            Membership.person_id == person_id,
            Membership.role.in_((Role.APPRAISER, Role.ADMIN)),  # an admin may appraise too
        )
        .order_by(Unit.id)
    )
    return [(unit, period) for unit, period in rows.all()]


async def assessment_of(
    s: AsyncSession, assessment_id: int, period_id: int, authority_id: int
) -> tuple[Assessment, Unit] | None:
    """The assessment with its unit, only when the unit is one ``authority_id`` appraises in
    that period (one query)."""
    row = (
        await s.execute(
            select(Assessment, Unit)
            .join(Unit, Unit.id == Assessment.unit_id)
            .where(
                Assessment.id == assessment_id,
                Assessment.period_id == period_id,
                Unit.parent_id == authority_id,
            )
        )
    ).first()
    return (row[0], row[1]) if row is not None else None


async def units_with_assessments(
    s: AsyncSession, period: Period
) -> list[tuple[Unit, Assessment | None]]:
    """The units the period's authority appraises, each with its assessment if it has one."""
    rows = await s.execute(
        select(Unit, Assessment)
        .outerjoin(
            Assessment,
            (Assessment.unit_id == Unit.id) & (Assessment.period_id == period.id),
        )
        .where(Unit.parent_id == period.authority_id)
        .order_by(Unit.kind, Unit.code)
    )
    return [(unit, assessment) for unit, assessment in rows.all()]


async def unit_rows(s: AsyncSession, period: Period) -> list[UnitRow]:
    """Every unit the period's authority appraises, with its assessment's progress (4 queries)."""
    pairs = await units_with_assessments(s, period)
    ids = [a.id for _, a in pairs if a is not None]
    sums = dict(
        (aid, (n, total))
        for aid, n, total in (
            await s.execute(
                select(Answer.assessment_id, func.count(Answer.score), func.sum(Answer.score))
                .where(Answer.assessment_id.in_(ids))
                .group_by(Answer.assessment_id)
            )
        ).all()
    )
    files = dict(
        (
            await s.execute(
                select(Evidence.assessment_id, func.count())
                .where(Evidence.assessment_id.in_(ids))
                .group_by(Evidence.assessment_id)
            )
        ).all()
    )
    blocked = await unreachable_officers(s, [unit.id for unit, _ in pairs])
    rows = []
    for unit, assessment in pairs:
        n, total = sums.get(assessment.id, (0, None)) if assessment else (0, None)
        count = files.get(assessment.id, 0) if assessment else 0
        rows.append(
            UnitRow(unit, assessment, n, Decimal(total or 0), count, blocked.get(unit.id, 0))
        )
    return rows


async def unreachable_officers(s: AsyncSession, unit_ids: list[int]) -> dict[int, int]:
    """unit id -> how many of its officers have no identity left that accepts messages."""
    reachable = (
        select(Identity.id)
        .where(Identity.person_id == Person.id, Identity.unreachable_since.is_(None))
        .exists()
    )
    refused = (
        select(Identity.id)
        .where(Identity.person_id == Person.id, Identity.unreachable_since.is_not(None))
        .exists()
    )
    rows = await s.execute(
        select(Membership.unit_id, func.count(Person.id))
        .join(Person, Person.id == Membership.person_id)
        .where(
            Membership.unit_id.in_(unit_ids),
            Membership.role == Role.OFFICER,
            Person.removed_at.is_(None),
            refused,
            ~reachable,
        )
        .group_by(Membership.unit_id)
    )
    return {unit_id: n for unit_id, n in rows.all()}


async def appraisals(s: AsyncSession, assessment_id: int) -> dict[str, Appraisal]:
    rows = await s.scalars(select(Appraisal).where(Appraisal.assessment_id == assessment_id))
    return {a.item_id: a for a in rows}


def _submitted(period_id: int) -> ColumnElement[bool]:
    """The period's assessments that were submitted (and maybe appraised since); a returned one
    is a draft again."""
    return and_(Assessment.period_id == period_id, Assessment.status != Status.DRAFT)


async def submitted_count(s: AsyncSession, period_id: int) -> int:
    """How many assessments of the period were submitted."""
    query = select(func.count()).select_from(Assessment).where(_submitted(period_id))
    found = await s.scalar(query)
    return found or 0


async def submitted_ids(s: AsyncSession, period_id: int) -> list[int]:
    """The submitted assessments of the period, in the summary's order (kind of unit, code)."""
    query = (
        select(Assessment.id)
        .join(Unit, Unit.id == Assessment.unit_id)
        .where(_submitted(period_id))
        .order_by(Unit.kind, Unit.code)
    )
    return list(await s.scalars(query))


async def changed_since_return(s: AsyncSession, assessment_id: int) -> set[str]:
    """Items whose score, results or evidence the unit changed since the assessment was last
    returned to it (nothing when it never was)."""
    returned = (
        select(func.max(AuditEvent.id))
        .where(
            AuditEvent.assessment_id == assessment_id,
            AuditEvent.action == "assessment.return",
        )
        .scalar_subquery()
    )
    rows = await s.scalars(
        select(AuditEvent.target)
        .where(
            AuditEvent.assessment_id == assessment_id,
            AuditEvent.action.in_(("answer.score", "answer.results", "evidence.add")),
            AuditEvent.id > returned,
        )
        .distinct()
    )
    return {target for target in rows if target}


async def recipients(s: AsyncSession, unit_id: int, role: Role) -> list[tuple[str, str]]:
    """(channel, chat id) of the people of this role at this unit, on every channel they use."""
    rows = await s.execute(
        select(Identity.channel, Identity.chat_id)
        .join(Person, Person.id == Identity.person_id)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.unit_id == unit_id,
            Membership.role == role,
            Person.removed_at.is_(None),
            Identity.chat_id.is_not(None),
        )
        .order_by(Identity.id)
    )
    return [(channel, chat_id) for channel, chat_id in rows.all()]
