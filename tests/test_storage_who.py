"""storage.who on each backend: who sent an event, their memberships and where they are an
officer, in one statement; on PostgreSQL the officer's assessment is locked by it, and what
the next statement reads is what the transaction that held the lock before committed."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo import PERIOD, ensure_demo
from storage import assessments, people
from storage.models import Answer, Period, Role, Unit, UnitKind
from storage.who import Who, who
from tests.test_storage_concurrency import blocked, other, postgresql_only  # noqa: F401

Sessions = async_sessionmaker[AsyncSession]


async def officers_of_the_demo_unit(sessions: Sessions) -> tuple[int, int]:
    """Two officers of the demo commune; (the unit, its assessment of the demo period)."""
    async with sessions() as s, s.begin():
        unit = await ensure_demo(s)
        for n in (1, 2):
            person = await people.add_person(s, f"Cán bộ {n}", "telegram", f"50{n}")
            await people.grant(s, person.id, Role.OFFICER, unit.id)
        current = await assessments.current(s, unit.id)
        assert current.assessment is not None
        return unit.id, current.assessment.id


class TestWho:
    async def test_stranger(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s:
            assert await who(s, "telegram", "404") == Who(None, [], None, None, None)

    async def test_person_without_memberships(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s, s.begin():
            await people.add_person(s, "Lê Thị Hoa", "telegram", "1001")
        async with sessionmaker() as s:
            found = await who(s, "telegram", "1001")
            assert found.person is not None and found.person.full_name == "Lê Thị Hoa"
            assert (found.grants, found.unit, found.assessment) == ([], None, None)
            assert (await who(s, "zalo", "1001")).person is None

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
            found = await who(s, "telegram", "1002")
            assert found.person is not None and found.person.id == person.id
            assert [(g.role, g.unit_id) for g in found.grants] == [
                (Role.OFFICER, commune.id),
                (Role.APPRAISER, district.id),
            ]
            assert found.unit is not None and found.unit.id == commune.id
            assert found.period is None  # the district has opened no period
            assert [(u.id, p) for u, p in found.authorities] == [(district.id, None)]
            found.person.removed_at = people.now()
        async with sessionmaker() as s:
            assert (await who(s, "telegram", "1002")).person is None

    async def test_an_officer_s_unit_period_and_assessment(self, sessionmaker: Sessions) -> None:
        unit_id, assessment_id = await officers_of_the_demo_unit(sessionmaker)
        async with sessionmaker() as s:
            found = await who(s, "telegram", "501", lock=False)
            assert found.unit is not None and found.unit.id == unit_id
            assert found.period is not None and found.period.authority_id == found.unit.parent_id
            assert found.assessment is not None and found.assessment.id == assessment_id

    async def test_an_appraiser_s_units_with_their_newest_period(
        self, sessionmaker: Sessions
    ) -> None:
        async with sessionmaker() as s, s.begin():
            commune = await ensure_demo(s)
            other = Unit(code="H99", name="UBND huyện Khoái Châu", kind=UnitKind.DISTRICT)
            s.add(other)
            await s.flush()
            s.add(Period(authority_id=commune.parent_id, **{**PERIOD, "year": 2021}))
            person = await people.add_person(s, "Phòng Nội vụ", "telegram", "1003")
            await people.grant(s, person.id, Role.APPRAISER, other.id)
            await people.grant(s, person.id, Role.ADMIN, commune.parent_id)
        async with sessionmaker() as s:
            found = await who(s, "telegram", "1003")
            assert (found.unit, found.period, found.assessment) == (None, None, None)
            (district, newest), (last, none) = found.authorities  # by id
            assert district.id == commune.parent_id and (last.id, none) == (other.id, None)
            assert newest is not None and newest.year == PERIOD["year"]  # not the 2021 one


async def test_the_second_officer_reads_what_the_first_committed_while_holding_the_lock(
    db_url: str,
    sessionmaker: Sessions,
    other: Sessions,  # noqa: F811  (the fixture imported above)
) -> None:
    postgresql_only(db_url)
    _, assessment_id = await officers_of_the_demo_unit(sessionmaker)
    async with sessionmaker() as a, a.begin():
        first = await who(a, "telegram", "501")
        assert first.assessment is not None and first.person is not None
        place = await assessments.answers_and_position(a, assessment_id, first.person.id)
        assert place.answers == {}

        async def second() -> dict[str, Decimal | None]:
            async with other() as b, b.begin():
                found = await who(b, "telegram", "502")
                assert found.person is not None
                read = await assessments.answers_and_position(b, assessment_id, found.person.id)
                return {item: answer.score for item, answer in read.answers.items()}

        task = asyncio.create_task(second())
        assert await blocked(sessionmaker, task)  # the second officer's event waits
        a.add(Answer(assessment_id=assessment_id, item_id="I.1", score=Decimal(2)))
    assert await task == {"I.1": Decimal(2)}  # and then reads the first one's answer
