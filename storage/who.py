"""Who sent an event and where they stand, in one statement: the person, their memberships,
for an appraiser the units they appraise for with each one's newest period, and for an officer
the unit, its newest period and the unit's assessment of it, locked for the transaction
(``FOR UPDATE``: two officers' events on one assessment apply one after the other, each on
what the previous one committed). What the assessment holds (the answers, the person's place
in it) is read by the next statement (``assessments.answers_and_position``): read after the
lock, it sees what the event that held the lock before committed.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import (
    Assessment,
    Identity,
    Membership,
    Period,
    Person,
    Role,
    Unit,
    UnitSuccession,
    newest_period_id,
)


class Who(NamedTuple):
    person: Person | None  # None: nobody we know (or someone removed)
    grants: list[Membership]
    unit: Unit | None  # the unit the person is an officer of (the first such membership)
    period: Period | None  # its appraising unit's newest period
    assessment: Assessment | None  # the unit's assessment of that period, if made
    merged_on: date | None = None  # the unit was merged into another from that day
    # the units the person appraises for (as appraiser or admin), by id, with their newest period
    authorities: tuple[tuple[Unit, Period | None], ...] = ()


_MERGED_ON = (
    select(func.min(UnitSuccession.effective_on))
    .where(UnitSuccession.predecessor_id == Unit.id)
    .correlate(Unit)
    .scalar_subquery()
)


def _statement(dialect: str, lock: bool) -> Select[Any]:
    first_officer = (
        select(func.min(Membership.id))
        .where(Membership.person_id == Person.id, Membership.role == Role.OFFICER)
        .correlate(Person)
        .scalar_subquery()
    )
    officer = aliased(Membership)
    authority, newest = aliased(Unit), aliased(Period)
    appraises = officer.role.in_((Role.APPRAISER, Role.ADMIN))  # an admin may appraise too
    of_unit = and_(Assessment.unit_id == Unit.id, Assessment.period_id == Period.id)
    query = (
        select(Person, officer, authority, newest, Unit, Period, _MERGED_ON)
        .select_from(Identity)
        .join(Person, Person.id == Identity.person_id)
        .outerjoin(officer, officer.person_id == Person.id)
        .outerjoin(authority, and_(authority.id == officer.unit_id, appraises))
        .outerjoin(newest, newest.id == newest_period_id(authority.id).correlate(authority))
        .outerjoin(Unit, and_(Unit.id == officer.unit_id, officer.id == first_officer))
        .outerjoin(Period, Period.id == newest_period_id(Unit.parent_id))
        .where(
            Identity.channel == bindparam("channel"),
            Identity.external_id == bindparam("external_id"),
            Person.removed_at.is_(None),
        )
        .order_by(officer.id)
    )
    if lock and dialect == "postgresql":
        # FOR UPDATE may not lock the nullable side of an outer join: a lateral subquery may
        locked = select(Assessment).where(of_unit).with_for_update().lateral()
        return query.add_columns(aliased(Assessment, locked)).outerjoin(locked, true())
    return query.add_columns(Assessment).outerjoin(Assessment, of_unit)  # SQLite: one writer


# Built once per dialect and kind: one runs on every event.
_STATEMENTS = {
    (dialect, lock): _statement(dialect, lock)
    for dialect in ("postgresql", "sqlite")
    for lock in (True, False)
}


async def who(s: AsyncSession, channel: str, external_id: str, *, lock: bool = True) -> Who:
    """The person behind ``external_id`` on ``channel``, their memberships, the units they
    appraise for, and where they are an officer (``lock``: that assessment is locked until the
    transaction ends)."""
    statement = _STATEMENTS[(s.get_bind().dialect.name, lock)]
    rows = (await s.execute(statement, {"channel": channel, "external_id": external_id})).all()
    if not rows:
        return Who(None, [], None, None, None)
    grants = [grant for _, grant, *_ in rows if grant is not None]
    authorities = tuple(
        sorted(((row[2], row[3]) for row in rows if row[2] is not None), key=lambda a: a[0].id)
    )
    mine = next((row for row in rows if row[4] is not None), None)
    if mine is None:
        return Who(rows[0][0], grants, None, None, None, authorities=authorities)
    *_, unit, period, merged_on, assessment = mine
    return Who(rows[0][0], grants, unit, period, assessment, merged_on, authorities)


async def successors(s: AsyncSession, unit_id: int) -> list[tuple[Unit, date]]:
    """The units ``unit_id`` was merged into, with the day of each merger."""
    rows = await s.execute(
        select(Unit, UnitSuccession.effective_on)
        .join(UnitSuccession, UnitSuccession.successor_id == Unit.id)
        .where(UnitSuccession.predecessor_id == unit_id)
        .order_by(UnitSuccession.effective_on, Unit.code)
    )
    return [(unit, on) for unit, on in rows.all()]
