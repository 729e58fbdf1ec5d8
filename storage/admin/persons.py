"""Persons: listed, found, removed (and restored)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import desk, people
from storage.admin import AdminError
from storage.models import (
    Identity,
    Membership,
    Person,
    Unit,
)


async def persons(
    s: AsyncSession, unit: Unit | None = None
) -> list[tuple[Person, list[tuple[Membership, Unit]], list[Identity]]]:
    """People (by id) with their memberships and channel identities."""
    query = select(Person).order_by(Person.id)
    if unit is not None:
        members = select(Membership.person_id).where(Membership.unit_id == unit.id)
        query = query.where(Person.id.in_(members))
    found = list(await s.scalars(query))
    ids = [p.id for p in found]
    grants = await s.execute(
        select(Membership, Unit)
        .join(Unit, Unit.id == Membership.unit_id)
        .where(Membership.person_id.in_(ids))
        .order_by(Membership.id)
    )
    accounts = await s.scalars(
        select(Identity).where(Identity.person_id.in_(ids)).order_by(Identity.id)
    )
    by_person: defaultdict[int, list[tuple[Membership, Unit]]] = defaultdict(list)
    for membership, member_unit in grants.all():
        by_person[membership.person_id].append((membership, member_unit))
    identities: defaultdict[int, list[Identity]] = defaultdict(list)
    for identity in accounts:
        identities[identity.person_id].append(identity)
    return [(p, by_person[p.id], identities[p.id]) for p in found]


async def need_person(s: AsyncSession, person_id: int) -> Person:
    found = await s.get(Person, person_id)
    if found is None:
        raise AdminError(f"Không có người dùng số {person_id}. Xem danh sách: danvan person list")
    return found


async def remove_person(s: AsyncSession, person_id: int, restore: bool = False) -> Person:
    """Soft removal: the bot no longer knows the person, their desk sessions end; memberships
    stay for the history."""
    person = await need_person(s, person_id)
    person.removed_at = None if restore else person.removed_at or people.now()
    if not restore:
        await desk.end_all(s, person_id)
    await s.flush()
    return person
