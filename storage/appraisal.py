"""Queries of the appraisal: an authority's units, their status, the authority's scores."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from rubric.model import Rubric
from storage import earlier as yoy
from storage.earlier import Earlier
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
)
from storage.totals import total_column


@dataclass(frozen=True)
class UnitRow:
    unit: Unit
    assessment: Assessment | None
    answered: int
    self_total: Decimal
    files: int
    unreachable: int = 0  # officers who blocked the bot (a reminder was refused)
    earlier: tuple[Earlier, ...] = ()  # the newest earlier year's results (its predecessors')


async def assessment_and_answers(
    s: AsyncSession, assessment_id: int, period_id: int, authority_id: int
) -> tuple[Assessment, Unit, dict[str, Answer]] | None:
    """The assessment with its unit and answers, only when the unit is one ``authority_id``
    appraises in that period (one statement)."""
    rows = (
        await s.execute(
            select(Assessment, Unit, Answer)
            .join(Unit, Unit.id == Assessment.unit_id)
            .outerjoin(Answer, Answer.assessment_id == Assessment.id)
            .where(
                Assessment.id == assessment_id,
                Assessment.period_id == period_id,
                Unit.parent_id == authority_id,
            )
        )
    ).all()
    if not rows:
        return None
    return rows[0][0], rows[0][1], {a.item_id: a for _, _, a in rows if a is not None}


async def units_with_assessments(
    s: AsyncSession, period: Period
) -> list[tuple[Unit, Assessment | None]]:
    """The units the period's authority appraises, each with its assessment if it has one."""
    rows = await s.execute(
        select(Unit, Assessment)
        .outerjoin(Assessment, _with_assessment(period))
        .where(_units_of(period))
        .order_by(Unit.kind, Unit.code)
    )
    return [(unit, assessment) for unit, assessment in rows.all()]


def _units_of(period: Period) -> ColumnElement[bool]:
    return Unit.parent_id == period.authority_id


def _with_assessment(period: Period) -> ColumnElement[bool]:
    return and_(Assessment.unit_id == Unit.id, Assessment.period_id == period.id)


# A unit's progress, as columns correlated to its row (NULL/0 when it has no assessment)
_ANSWERED = (
    select(func.count(Answer.score))
    .where(Answer.assessment_id == Assessment.id)
    .correlate(Assessment)
    .scalar_subquery()
)
_FILES = (
    select(func.count(Evidence.id))
    .where(Evidence.assessment_id == Assessment.id)
    .correlate(Assessment)
    .scalar_subquery()
)
_UNREACHABLE = (  # officers with no identity left that accepts messages
    select(func.count(Person.id))
    .join(Membership, Membership.person_id == Person.id)
    .where(
        Membership.unit_id == Unit.id,
        Membership.role == Role.OFFICER,
        Person.removed_at.is_(None),
        select(Identity.id)
        .where(Identity.person_id == Person.id, Identity.unreachable_since.is_not(None))
        .exists(),
        ~select(Identity.id)
        .where(Identity.person_id == Person.id, Identity.unreachable_since.is_(None))
        .exists(),
    )
    .correlate(Unit)
    .scalar_subquery()
)


async def unit_rows(s: AsyncSession, period: Period, rubric: Rubric) -> list[UnitRow]:
    """Every unit the period's authority appraises, with its assessment's progress, its own
    total by the period's rubric and its earlier year's results (one statement: a merged
    unit's row comes once per predecessor)."""
    past = yoy.newest(_units_of(period), period.year)
    own_total = total_column(rubric, Answer)
    rows = await s.execute(
        select(Unit, Assessment, _ANSWERED, own_total, _FILES, _UNREACHABLE, *yoy.columns(past))
        .outerjoin(Assessment, _with_assessment(period))
        .outerjoin(past, past.c.unit_id == Unit.id)
        .where(_units_of(period))
        .order_by(Unit.kind, Unit.code, past.c.code)
    )
    found: dict[int, UnitRow] = {}
    for unit, a, answered, total, files, blocked, *result in rows.all():
        row = found.get(unit.id) or UnitRow(
            unit, a, answered or 0, Decimal(total or 0), files or 0, blocked or 0
        )
        e = yoy.from_row(*result)
        found[unit.id] = replace(row, earlier=(*row.earlier, e)) if e else row
    return list(found.values())


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


async def files_and_changes(s: AsyncSession, assessment_id: int) -> tuple[Counter[str], set[str]]:
    """The evidence files by item, and the items whose score, results or evidence the unit
    changed since the assessment was last returned to it (none when it never was): one
    statement."""
    returned = (
        select(func.max(AuditEvent.id))
        .where(
            AuditEvent.assessment_id == assessment_id,
            AuditEvent.action == "assessment.return",
        )
        .scalar_subquery()
    )
    files = (
        select(literal("file"), Evidence.item_id, func.count())
        .where(Evidence.assessment_id == assessment_id)
        .group_by(Evidence.item_id)
    )
    changed = (
        select(literal("changed"), AuditEvent.target, literal(1))
        .where(
            AuditEvent.assessment_id == assessment_id,
            AuditEvent.action.in_(("answer.score", "answer.results", "evidence.add")),
            AuditEvent.id > returned,
        )
        .distinct()
    )
    rows = (await s.execute(union_all(files, changed))).all()
    counts = Counter({item: n for kind, item, n in rows if kind == "file"})
    return counts, {item for kind, item, _ in rows if kind == "changed" and item}


async def recipients(s: AsyncSession, unit_id: int | None, role: Role) -> list[tuple[str, str]]:
    """(channel, chat id) of the people of this role at this unit (None: at any unit), on every
    channel they use, each chat once."""
    query = (
        select(Identity.channel, Identity.chat_id)
        .join(Person, Person.id == Identity.person_id)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.role == role,
            Person.removed_at.is_(None),
            Identity.chat_id.is_not(None),
        )
        .group_by(Identity.channel, Identity.chat_id)
        .order_by(func.min(Identity.id))
    )
    if unit_id is not None:
        query = query.where(Membership.unit_id == unit_id)
    rows = await s.execute(query)
    return [(channel, chat_id) for channel, chat_id in rows.all()]
