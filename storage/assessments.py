"""Queries about one unit's assessment: answers, narratives, evidence, status."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage import details
from storage.db import insert_or_nothing
from storage.models import (
    Answer,
    Assessment,
    AuditEvent,
    CriterionNote,
    Evidence,
    Period,
    Person,
    Position,
    Status,
    Unit,
    UnitSuccession,
    newest_period_id,
)
from storage.people import as_utc

# The hot path's statements are built once (building one costs about as much as running it
# on SQLite); each event runs them with its own parameters.
_NEWEST_PERIOD = newest_period_id(Unit.parent_id)
_CURRENT = (
    select(Unit, Period, Assessment)
    .join(Period, Period.id == _NEWEST_PERIOD)
    .join(Assessment, and_(Assessment.unit_id == Unit.id, Assessment.period_id == Period.id))
    .where(Unit.id == bindparam("unit_id"))
    .with_for_update(of=Assessment)
)
_ANSWERS = select(Answer).where(Answer.assessment_id == bindparam("assessment_id"))
_ANSWERER = aliased(Person)
_CHANGES_BY_OTHERS = ("answer.score", "answer.results")
_OTHERS_LAST = (  # the newest answer another person gave or changed
    select(func.max(AuditEvent.at))
    .where(
        AuditEvent.assessment_id == bindparam("assessment_id"),
        AuditEvent.person_id != bindparam("person_id"),
        AuditEvent.action.in_(_CHANGES_BY_OTHERS),
    )
    .scalar_subquery()
)
_OTHER_REPORT = aliased(Assessment)
_MAY_CARRY = or_(  # another report of the unit, or a unit it succeeds: one may hold last year's
    exists().where(_OTHER_REPORT.unit_id == Assessment.unit_id, _OTHER_REPORT.id != Assessment.id),
    exists().where(UnitSuccession.successor_id == Assessment.unit_id),
)


def _answers_and_position(dialect: str) -> Select[Any]:
    return (
        select(
            Position,
            *details.ANSWER_COLUMNS,
            _ANSWERER.full_name,
            _OTHERS_LAST,
            _MAY_CARRY,
            details.notes_column(dialect),
            details.evidence_column(dialect),
        )
        .select_from(Assessment)
        .outerjoin(
            Position,
            and_(
                Position.assessment_id == Assessment.id,
                Position.person_id == bindparam("person_id"),
            ),
        )
        .outerjoin(Answer, Answer.assessment_id == Assessment.id)
        .outerjoin(
            _ANSWERER,
            and_(_ANSWERER.id == Answer.updated_by_id, _ANSWERER.id != bindparam("person_id")),
        )
        .where(Assessment.id == bindparam("assessment_id"))
    )


_ANSWERS_AND_POSITION = {d: _answers_and_position(d) for d in ("sqlite", "postgresql")}
_NOTES = select(CriterionNote).where(CriterionNote.assessment_id == bindparam("assessment_id"))
_EVIDENCE_COUNTS = (
    select(Evidence.item_id, func.count())
    .where(Evidence.assessment_id == bindparam("assessment_id"))
    .group_by(Evidence.item_id)
)


async def unit_and_period(s: AsyncSession, unit_id: int) -> tuple[Unit, Period | None]:
    """The unit and the newest period of its appraising unit, in one query."""
    row = (
        await s.execute(
            select(Unit, Period)
            .outerjoin(Period, Period.id == _NEWEST_PERIOD)
            .where(Unit.id == unit_id)
        )
    ).one()
    return row[0], row[1]


class Current(NamedTuple):
    unit: Unit
    period: Period | None
    assessment: Assessment | None


async def current(s: AsyncSession, unit_id: int) -> Current:
    """The unit, the newest period of its appraising unit and the unit's assessment of that
    period, locked as ``get_or_create`` locks it; the assessment made when missing. (An
    officer's event finds all three with ``storage.who``; this is for the unit's first event
    of a period.)"""
    row = (await s.execute(_CURRENT, {"unit_id": unit_id})).first()
    if row is not None:
        return Current(*row)
    unit, period = await unit_and_period(s, unit_id)
    if period is None:
        return Current(unit, None, None)
    return Current(unit, period, await get_or_create(s, unit.id, period.id))


async def get_or_create(s: AsyncSession, unit_id: int, period_id: int) -> Assessment:
    """The unit's assessment of the period, made when missing, and locked until the end of the
    transaction (``SELECT ... FOR UPDATE``; SQLite has one writer at a time anyway).

    Several processes (or one process's concurrent tasks) handling events of one assessment
    then apply them one after another, each on what the previous one committed: no answer is
    lost, no optimistic-version conflict has to be retried, and two officers answering the
    same item at once do not both insert its row. Two transactions making the assessment at
    once both ``INSERT ... ON CONFLICT DO NOTHING``: the second waits for the first, inserts
    nothing and then reads (and locks) the first one's row.
    """
    query = (
        select(Assessment)
        .where(Assessment.unit_id == unit_id, Assessment.period_id == period_id)
        .with_for_update()
    )
    found = await s.scalar(query)
    if found is not None:
        return found
    values = {"unit_id": unit_id, "period_id": period_id, "status": Status.DRAFT, "version": 1}
    await s.execute(insert_or_nothing(s, Assessment, ["unit_id", "period_id"]).values(**values))
    found = await s.scalar(query)
    assert found is not None
    return found


async def find(s: AsyncSession, unit_code: str, year: int) -> Assessment | None:
    return await s.scalar(
        select(Assessment)
        .join(Unit, Unit.id == Assessment.unit_id)
        .join(Period, Period.id == Assessment.period_id)
        .where(Unit.code == unit_code, Period.year == year)
    )


async def answers(s: AsyncSession, assessment_id: int) -> dict[str, Answer]:
    rows = await s.scalars(_ANSWERS, {"assessment_id": assessment_id})
    return {a.item_id: a for a in rows}


class Place(NamedTuple):
    """What one officer's event reads of the assessment, after its lock."""

    position: Position | None  # the person's place in it (None: never been there)
    answers: dict[str, details.ReadAnswer]  # by item, as read (Ctx.answer makes one an Answer)
    names: dict[int, str]  # the other people who gave an answer: id -> name
    others_last: datetime | None  # when another person last gave or changed an answer
    may_carry: bool = True  # the unit or one it succeeds has another year's report
    notes: dict[str, CriterionNote] | None = None  # by criterion
    evidence: Counter[str] | None = None  # files by item


async def answers_and_position(s: AsyncSession, assessment_id: int, person_id: int) -> Place:
    """The answers, who gave them, the person's position, the newest change another person
    made, whether an earlier report may exist, the criteria notes and the files counted by
    item: all an officer's screens show, in one statement."""
    params = {"assessment_id": assessment_id, "person_id": person_id}
    statement = _ANSWERS_AND_POSITION[s.get_bind().dialect.name]
    rows = (await s.execute(statement, params)).all()
    width = len(details.ANSWER_COLUMNS)
    answers: dict[str, details.ReadAnswer] = {}
    names: dict[int, str] = {}
    for row in rows:
        if row[1] is not None:  # an answer (outer joined)
            read = details.ReadAnswer(*row[1 : 1 + width])
            answers[read.item_id] = read
            if (name := row[1 + width]) is not None and read.updated_by_id is not None:
                names[read.updated_by_id] = name
    if not rows:
        return Place(None, answers, names, None, False)
    position, last, may_carry, notes, files = rows[0][0], *rows[0][2 + width :]
    return Place(
        position,
        answers,
        names,
        last and as_utc(last),
        bool(may_carry),
        details.notes(s, assessment_id, notes),
        details.evidence(files),
    )


async def notes(s: AsyncSession, assessment_id: int) -> dict[str, CriterionNote]:
    rows = await s.scalars(_NOTES, {"assessment_id": assessment_id})
    return {n.criterion_id: n for n in rows}


async def evidence(s: AsyncSession, assessment_id: int) -> list[Evidence]:
    rows = await s.scalars(
        select(Evidence)
        .where(Evidence.assessment_id == assessment_id)
        .order_by(Evidence.item_id, Evidence.id)
    )
    return list(rows)


async def evidence_counts(s: AsyncSession, assessment_id: int) -> Counter[str]:
    rows = await s.execute(_EVIDENCE_COUNTS, {"assessment_id": assessment_id})
    return Counter({item_id: count for item_id, count in rows.all()})


async def evidence_for(
    s: AsyncSession, assessment_id: int, item_id: str, sha256: str
) -> Evidence | None:
    return await s.scalar(
        select(Evidence).where(
            Evidence.assessment_id == assessment_id,
            Evidence.item_id == item_id,
            Evidence.sha256 == sha256,
        )
    )


@dataclass(frozen=True)
class OthersChange:
    """An answer of this person that another person changed afterwards."""

    name: str  # who changed it
    item_id: str
    action: str  # "answer.score" | "answer.results"
    new: str | None


async def changed_by_others(
    s: AsyncSession, assessment_id: int, person_id: int, since: datetime
) -> list[OthersChange]:
    """Items whose score or results text ``person_id`` gave and someone else changed after
    ``since`` (the person's last step), newest change of each item and kind."""
    actions = _CHANGES_BY_OTHERS
    mine = select(AuditEvent.target).where(
        AuditEvent.assessment_id == assessment_id,
        AuditEvent.person_id == person_id,
        AuditEvent.action.in_(actions),
    )
    rows = await s.execute(
        select(Person.full_name, AuditEvent.target, AuditEvent.action, AuditEvent.new)
        .join(Person, Person.id == AuditEvent.person_id)
        .where(
            AuditEvent.assessment_id == assessment_id,
            AuditEvent.person_id != person_id,
            AuditEvent.at > since,
            AuditEvent.action.in_(actions),
            AuditEvent.target.in_(mine),
        )
        .order_by(AuditEvent.id)
    )
    latest = {(target, action): OthersChange(name, target, action, new)
              for name, target, action, new in rows.all()}  # fmt: skip
    return list(latest.values())


async def reset_positions(s: AsyncSession, assessment_id: int, cursor: str) -> None:
    """Everyone's place in the assessment goes to ``cursor`` (e.g. the review, once it is
    returned to the unit)."""
    await s.execute(
        update(Position)
        .where(Position.assessment_id == assessment_id)
        .values(cursor=cursor, return_to=None)
    )


def audit(
    s: AsyncSession,
    assessment: Assessment,
    person_id: int | None,
    action: str,
    target: str | None = None,
    old: object = None,
    new: object = None,
) -> None:
    s.add(
        AuditEvent(
            assessment_id=assessment.id,
            person_id=person_id,
            action=action,
            target=target,
            old=None if old is None else str(old),
            new=None if new is None else str(new),
            at=datetime.now(UTC),
        )
    )


async def audit_trail(s: AsyncSession, assessment_id: int) -> list[AuditEvent]:
    rows = await s.scalars(
        select(AuditEvent)
        .where(AuditEvent.assessment_id == assessment_id)
        .order_by(AuditEvent.at, AuditEvent.id)
    )
    return list(rows)
