"""storage.people on each backend: who is writing, with their memberships, in one query."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import people
from storage.models import Role, Unit, UnitKind

Sessions = async_sessionmaker[AsyncSession]


class TestPersonAndMemberships:
    async def test_stranger(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s:
            assert await people.person_and_memberships(s, "telegram", "404") == (None, [])

    async def test_person_without_memberships(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s, s.begin():
            await people.add_person(s, "Lê Thị Hoa", "telegram", "1001")
        async with sessionmaker() as s:
            person, grants = await people.person_and_memberships(s, "telegram", "1001")
            assert person is not None and person.full_name == "Lê Thị Hoa" and grants == []
            assert await people.person_and_memberships(s, "zalo", "1001") == (None, [])

    async def test_memberships_in_order_and_removed_person(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s, s.begin():
            district = Unit(code="H01", name="UBND huyện Văn Giang", kind=UnitKind.DISTRICT)
            commune = Unit(code="X01", name="UBND xã Cửu Cao", kind=UnitKind.COMMUNE)
            s.add_all([district, commune])
            await s.flush()
            person = await people.add_person(s, "Nguyễn Văn An", "telegram", "1002")
            await people.grant(s, person.id, Role.OFFICER, commune.id)
            await people.grant(s, person.id, Role.APPRAISER, district.id)
        async with sessionmaker() as s, s.begin():
            found, grants = await people.person_and_memberships(s, "telegram", "1002")
            assert found is not None and found.id == person.id
            assert [(g.role, g.unit_id) for g in grants] == [
                (Role.OFFICER, commune.id),
                (Role.APPRAISER, district.id),
            ]
            found.removed_at = people.now()
        async with sessionmaker() as s:
            assert await people.person_and_memberships(s, "telegram", "1002") == (None, [])
