"""Queries of the reminders: the periods running now, units and their people, and the claims.

A reminder is *claimed* by inserting its ``ReminderSent`` row in a transaction of its own before
it is sent: the unique ``(period_id, key)`` decides which process sends it, and a restart sees
it as done. ``release`` gives a claim back when the message certainly did not go out.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.appraisal import units_with_assessments
from storage.models import (
    Answer,
    Assessment,
    Evidence,
    Identity,
    Membership,
    Period,
    Person,
    ReminderSent,
    Role,
    Unit,
)


@dataclass(frozen=True)
class Contact:
    """One person of a unit, reached through one of their channel identities."""

    person_id: int
    name: str
    identity_id: int
    channel: str
    chat_id: str
    unreachable: bool  # the last message to this identity was refused (blocked)


@dataclass(frozen=True)
class UnitState:
    unit: Unit
    assessment: Assessment | None
    scored: frozenset[str]  # ids of the items that have a score
    files: int


async def active_periods(
    s: AsyncSession, since: date, period_ids: Collection[int] | None = None
) -> list[Period]:
    """Periods whose last deadline is ``since`` or later (only ``period_ids`` when given)."""
    query = select(Period).where(Period.report_by >= since)
    if period_ids is not None:
        query = query.where(Period.id.in_(list(period_ids)))
    return list(await s.scalars(query.order_by(Period.id)))


async def periods_of_year(s: AsyncSession, year: int) -> list[tuple[Period, Unit]]:
    rows = await s.execute(
        select(Period, Unit)
        .join(Unit, Unit.id == Period.authority_id)
        .where(Period.year == year)
        .order_by(Unit.code)
    )
    return [(p, u) for p, u in rows.all()]


async def unit_states(s: AsyncSession, period: Period) -> list[UnitState]:
    """Every unit the period's authority appraises, with its scored items and files (3 queries)."""
    pairs = await units_with_assessments(s, period)
    ids = [a.id for _, a in pairs if a is not None]
    scored: dict[int, set[str]] = {}
    for aid, item_id in (
        await s.execute(
            select(Answer.assessment_id, Answer.item_id).where(
                Answer.assessment_id.in_(ids), Answer.score.is_not(None)
            )
        )
    ).all():
        scored.setdefault(aid, set()).add(item_id)
    files = dict(
        (
            await s.execute(
                select(Evidence.assessment_id, func.count())
                .where(Evidence.assessment_id.in_(ids))
                .group_by(Evidence.assessment_id)
            )
        ).all()
    )
    return [
        UnitState(
            unit,
            a,
            frozenset(scored.get(a.id, ())) if a else frozenset(),
            files.get(a.id, 0) if a else 0,
        )
        for unit, a in pairs
    ]


async def contacts(
    s: AsyncSession, unit_ids: Iterable[int], role: Role, channels: Collection[str]
) -> dict[int, list[Contact]]:
    """unit id -> its people of ``role`` (not removed), each once, on one of ``channels``:
    the identity that was not refused, else the oldest."""
    ids = list(unit_ids)
    if not ids:
        return {}
    rows = await s.execute(
        select(
            Membership.unit_id,
            Person.id,
            Person.full_name,
            Identity.id,
            Identity.channel,
            Identity.chat_id,
            Identity.unreachable_since,
        )
        .join(Person, Person.id == Membership.person_id)
        .join(Identity, Identity.person_id == Person.id)
        .where(
            Membership.unit_id.in_(ids),
            Membership.role == role,
            Person.removed_at.is_(None),
            Identity.chat_id.is_not(None),
            Identity.channel.in_(list(channels)),
        )
        .order_by(
            Membership.unit_id, Person.id, Identity.unreachable_since.is_not(None), Identity.id
        )
    )
    found: dict[int, list[Contact]] = {}
    seen: set[tuple[int, int]] = set()
    for unit_id, pid, name, iid, channel, chat_id, unreachable in rows.all():
        if (unit_id, pid) in seen:
            continue
        seen.add((unit_id, pid))
        contact = Contact(pid, name, iid, channel, chat_id, unreachable is not None)
        found.setdefault(unit_id, []).append(contact)
    return found


async def sent_keys(s: AsyncSession, period_id: int) -> set[str]:
    return set(await s.scalars(select(ReminderSent.key).where(ReminderSent.period_id == period_id)))


async def claim(
    sessions: async_sessionmaker[AsyncSession],
    period_id: int,
    key: str,
    unit_id: int | None,
    person_id: int | None,
    at: datetime,
) -> bool:
    """Record the reminder as sent, in its own transaction: False when another pass or process
    claimed it first."""
    try:
        async with sessions() as s, s.begin():
            s.add(
                ReminderSent(
                    period_id=period_id, key=key, unit_id=unit_id, person_id=person_id, sent_at=at
                )
            )
    except IntegrityError:
        return False
    return True


async def release(sessions: async_sessionmaker[AsyncSession], period_id: int, key: str) -> None:
    """Give a claim back: the message did not go out, a later pass may send it."""
    async with sessions() as s, s.begin():
        await s.execute(
            delete(ReminderSent).where(ReminderSent.period_id == period_id, ReminderSent.key == key)
        )


async def set_unreachable(
    sessions: async_sessionmaker[AsyncSession], identity_id: int, since: datetime | None
) -> None:
    """Mark an identity unreachable (the person blocked the bot) or, with None, reachable again."""
    async with sessions() as s, s.begin():
        await s.execute(
            update(Identity).where(Identity.id == identity_id).values(unreachable_since=since)
        )
