"""Queries of the appraisal: an authority's units and their status, one unit's file as the
appraiser's screens show it (in one statement), the chats to tell."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from rubric.model import Rubric
from storage import earlier as yoy
from storage.earlier import Earlier
from storage.models import (
    Answer,
    Appraisal,
    Assessment,
    AuditEvent,
    CriterionNote,
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


def _per_assessment(aggregate: Any, model: Any) -> Any:
    """``aggregate`` over ``model``'s rows of the assessment on the query's row (NULL/0 when
    the unit has no assessment)."""
    return (
        select(aggregate)
        .where(model.assessment_id == Assessment.id)
        .correlate(Assessment)
        .scalar_subquery()
    )


def _officers(*where: Any) -> Any:
    """How many officers (not removed) the unit on the query's row has, of those ``where``."""
    return (
        select(func.count(Person.id))
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.unit_id == Unit.id,
            Membership.role == Role.OFFICER,
            Person.removed_at.is_(None),
            *where,
        )
        .correlate(Unit)
        .scalar_subquery()
    )


# A unit's progress, as columns correlated to its row
_ANSWERED = _per_assessment(func.count(Answer.score), Answer)
_FILES = _per_assessment(func.count(Evidence.id), Evidence)
_GIVEN = _per_assessment(func.count(Appraisal.score), Appraisal)  # items the authority scored
_LAST = _per_assessment(func.max(AuditEvent.at), AuditEvent)  # the last activity
_OFFICERS = _officers()
_UNREACHABLE = _officers(  # officers with no identity left that accepts messages
    select(Identity.id)
    .where(Identity.person_id == Person.id, Identity.unreachable_since.is_not(None))
    .exists(),
    ~select(Identity.id)
    .where(Identity.person_id == Person.id, Identity.unreachable_since.is_(None))
    .exists(),
)


async def unit_rows(s: AsyncSession, period: Period, rubric: Rubric) -> list[UnitRow]:
    """Every unit the period's authority appraises, with its assessment's progress and its own
    total by the period's rubric (one statement)."""
    own_total = total_column(rubric, Answer)
    rows = await s.execute(
        select(Unit, Assessment, _ANSWERED, own_total, _FILES, _UNREACHABLE)
        .outerjoin(Assessment, _with_assessment(period))
        .where(_units_of(period))
        .order_by(Unit.kind, Unit.code)
    )
    return [
        UnitRow(unit, a, answered or 0, Decimal(total or 0), files or 0, blocked or 0)
        for unit, a, answered, total, files, blocked in rows.all()
    ]


@dataclass(frozen=True)
class DeskRow:
    """A unit's row of the desk's table (``bot.web.desk.overview``)."""

    unit: Unit
    assessment: Assessment | None
    answered: int
    self_total: Decimal
    given: int  # items the authority has scored
    given_total: Decimal
    files: int
    officers: int
    last_activity: Any  # datetime of the newest audit event, None before any


async def desk_rows(s: AsyncSession, period: Period, rubric: Rubric) -> list[DeskRow]:
    """Every unit the period's authority appraises with what the desk's table shows (one
    statement): progress, both totals, files, officers, last activity."""
    rows = await s.execute(
        select(
            Unit,
            Assessment,
            _ANSWERED,
            total_column(rubric, Answer),
            _GIVEN,
            total_column(rubric, Appraisal),
            _FILES,
            _OFFICERS,
            _LAST,
        )
        .outerjoin(Assessment, _with_assessment(period))
        .where(_units_of(period))
        .order_by(Unit.kind, Unit.code)
    )
    return [
        DeskRow(
            unit,
            a,
            answered or 0,
            Decimal(own or 0),
            given or 0,
            Decimal(theirs or 0),
            files or 0,
            officers or 0,
            last,
        )
        for unit, a, answered, own, given, theirs, files, officers, last in rows.all()
    ]


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


@dataclass
class UnitFile:
    """One unit's assessment as the appraiser's screens show it."""

    a: Assessment
    unit: Unit
    answers: dict[str, Answer]  # the unit's own
    given: dict[str, Appraisal]  # the authority's, by item (kept current as they are given)
    notes: dict[str, CriterionNote]  # the unit's strengths and shortcomings, by criterion
    files: Counter[str]  # evidence files by item
    changed: set[str]  # items the unit changed since it was last returned
    earlier: tuple[Earlier, ...]  # the newest earlier year's results (its predecessors')
    chats: list[tuple[str, str]]  # (channel, chat id) of its officers: told of a return, a result

    def given_scores(self) -> dict[str, Decimal | None]:
        return {k: v.score for k, v in self.given.items()}


def _chats(query: Select[Any], role: Role, unit: int | ColumnElement[int] | None) -> Select[Any]:
    """``query`` over the chats (channel, chat id) of the people of this role at ``unit`` (None:
    at any unit), on every channel they use, grouped by chat."""
    query = (
        query.join(Person, Person.id == Identity.person_id)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.role == role,
            Person.removed_at.is_(None),
            Identity.chat_id.is_not(None),
        )
        .group_by(Identity.channel, Identity.chat_id)
    )
    return query if unit is None else query.where(Membership.unit_id == unit)


def _file_statement() -> Select[Any]:
    """The unit's file in one statement: the assessment and its unit on every row, each row
    with one more thing of the file, by its kind (a typed row of a UNION ALL): an answer, an
    appraisal or a note (joined by id), an item's count of files, an item changed since the
    assessment was last returned, one of the unit's officers' chats (joined by the id of its
    first identity), or the earlier year's results (one row each)."""
    aid = bindparam("assessment_id")
    no_id, no_item, no_n = cast(null(), Integer), cast(null(), String), cast(null(), Integer)

    def typed(kind: str, ref: Any, item: Any, n: Any) -> Select[Any]:
        return select(
            literal(kind).label("kind"), ref.label("ref"), item.label("item"), n.label("n")
        )

    def by_id(kind: str, entity: Any) -> Select[Any]:
        return typed(kind, entity.id, no_item, no_n).where(entity.assessment_id == aid)

    unit_of = select(Assessment.unit_id).where(Assessment.id == aid).scalar_subquery()
    returned = (
        select(func.max(AuditEvent.id))
        .where(AuditEvent.assessment_id == aid, AuditEvent.action == "assessment.return")
        .scalar_subquery()
    )
    rows = union_all(
        by_id("answer", Answer),
        by_id("given", Appraisal),
        by_id("note", CriterionNote),
        typed("file", no_id, Evidence.item_id, func.count())
        .where(Evidence.assessment_id == aid)
        .group_by(Evidence.item_id),
        typed("changed", no_id, AuditEvent.target, no_n)
        .where(
            AuditEvent.assessment_id == aid,
            AuditEvent.action.in_(("answer.score", "answer.results", "evidence.add")),
            AuditEvent.id > returned,
        )
        .distinct(),
        _chats(typed("chat", func.min(Identity.id), no_item, no_n), Role.OFFICER, unit_of),
        typed("earlier", no_id, no_item, no_n),
    ).subquery("file")
    kind, ref = rows.c.kind, rows.c.ref
    past = yoy.newest(Unit.id == unit_of, bindparam("year"))
    return (
        select(Assessment, Unit, Answer, Appraisal, CriterionNote, kind, rows.c.item, rows.c.n)
        .add_columns(Identity.channel, Identity.chat_id, *yoy.columns(past))
        .join(Unit, Unit.id == Assessment.unit_id)
        .join(rows, true())
        .outerjoin(Answer, and_(kind == "answer", Answer.id == ref))
        .outerjoin(Appraisal, and_(kind == "given", Appraisal.id == ref))
        .outerjoin(CriterionNote, and_(kind == "note", CriterionNote.id == ref))
        .outerjoin(Identity, and_(kind == "chat", Identity.id == ref))
        .outerjoin(past, and_(kind == "earlier", past.c.unit_id == Unit.id))
        .where(
            Assessment.id == aid,
            Assessment.period_id == bindparam("period_id"),
            Unit.parent_id == bindparam("authority_id"),
        )
        .order_by(past.c.code, Identity.id)
    )


_FILE = _file_statement()  # built once: it runs on nearly every appraiser event


async def unit_file(
    s: AsyncSession, assessment_id: int, period: Period, authority_id: int
) -> UnitFile | None:
    """The unit's file (one statement), only when the unit is one ``authority_id`` appraises
    in ``period``."""
    params = {
        "assessment_id": assessment_id,
        "period_id": period.id,
        "authority_id": authority_id,
        "year": period.year,
    }
    rows = (await s.execute(_FILE, params)).all()
    if not rows:
        return None
    f = UnitFile(rows[0][0], rows[0][1], {}, {}, {}, Counter(), set(), (), [])
    for _, _, answer, given, note, kind, item, n, channel, chat_id, *past in rows:
        if answer is not None:
            f.answers[answer.item_id] = answer
        elif given is not None:
            f.given[given.item_id] = given
        elif note is not None:
            f.notes[note.criterion_id] = note
        elif kind == "file":
            f.files[item] = n
        elif kind == "changed" and item:
            f.changed.add(item)
        elif kind == "chat":
            f.chats.append((channel, chat_id))
        elif (e := yoy.from_row(*past)) is not None:
            f.earlier = (*f.earlier, e)
    return f


async def recipients(s: AsyncSession, unit_id: int | None, role: Role) -> list[tuple[str, str]]:
    """(channel, chat id) of the people of this role at this unit (None: at any unit), on every
    channel they use, each chat once."""
    query = _chats(select(Identity.channel, Identity.chat_id), role, unit_id)
    rows = await s.execute(query.order_by(func.min(Identity.id)))
    return [(channel, chat_id) for channel, chat_id in rows.all()]
