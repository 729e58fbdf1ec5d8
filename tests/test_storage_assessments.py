"""storage.assessments on each backend: the unit's current assessment, read and locked."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import assessments, details
from storage.models import Answer, Assessment, Period, Status, Unit, UnitKind

Sessions = async_sessionmaker[AsyncSession]


def period(year: int, authority: Unit) -> Period:
    return Period(
        year=year,
        rubric_id="hung-yen-2022",
        authority_id=authority.id,
        submit_by=date(year, 11, 15),
        appraise_by=date(year, 12, 1),
        report_by=date(year, 12, 10),
    )


async def units(s: AsyncSession) -> tuple[Unit, Unit]:
    district = Unit(code="H01", name="UBND huyện Văn Giang", kind=UnitKind.DISTRICT)
    commune = Unit(code="X01", name="UBND xã Cửu Cao", kind=UnitKind.COMMUNE, parent=district)
    s.add_all([district, commune])
    await s.flush()
    return district, commune


class TestCurrent:
    async def test_no_period_yet(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s, s.begin():
            _, commune = await units(s)
            unit, found_period, assessment = await assessments.current(s, commune.id)
            assert (unit.code, found_period, assessment) == ("X01", None, None)
            assert await s.scalar(select(func.count()).select_from(Assessment)) == 0

    async def test_made_once_then_found(self, sessionmaker: Sessions) -> None:
        async with sessionmaker() as s, s.begin():
            district, commune = await units(s)
            s.add(period(2022, district))
        async with sessionmaker() as s, s.begin():
            unit, p, made = await assessments.current(s, commune.id)
            assert unit.id == commune.id and p is not None and p.year == 2022
            assert made is not None and made.status is Status.DRAFT
        async with sessionmaker() as s, s.begin():
            _, _, again = await assessments.current(s, commune.id)
            assert again is not None and again.id == made.id
            assert await s.scalar(select(func.count()).select_from(Assessment)) == 1

    async def test_the_newest_period_even_when_an_older_one_has_an_assessment(
        self, sessionmaker: Sessions
    ) -> None:
        async with sessionmaker() as s, s.begin():
            district, commune = await units(s)
            old = period(2022, district)
            s.add(old)
            await s.flush()
            s.add(Assessment(unit_id=commune.id, period_id=old.id, status=Status.SUBMITTED))
            s.add(period(2023, district))
        async with sessionmaker() as s, s.begin():
            _, p, made = await assessments.current(s, commune.id)
            assert p is not None and p.year == 2023
            assert made is not None and made.period_id == p.id and made.status is Status.DRAFT
        async with sessionmaker() as s, s.begin():
            _, p, found = await assessments.current(s, commune.id)
            assert p is not None and p.year == 2023 and found is not None and found.id == made.id


async def with_one_answer(sessionmaker: Sessions) -> int:
    """A commune's assessment with I.1 scored 1; its id."""
    async with sessionmaker() as s, s.begin():
        district, commune = await units(s)
        s.add(period(2022, district))
    async with sessionmaker() as s, s.begin():
        _, _, made = await assessments.current(s, commune.id)
        assert made is not None
        s.add(Answer(assessment_id=made.id, item_id="I.1", score=Decimal(1)))
    return made.id


class TestAnswersAsRows:
    """An event reads the answers as plain rows; the one it changes becomes an ORM object
    (details.to_change) whose change is an UPDATE of that row."""

    async def test_a_row_read_and_changed_is_updated_in_place(self, sessionmaker: Sessions) -> None:
        aid = await with_one_answer(sessionmaker)
        async with sessionmaker() as s, s.begin():
            place = await assessments.answers_and_position(s, aid, 1)
            read = place.answers["I.1"]
            assert isinstance(read, details.ReadAnswer) and read.score == Decimal(1)
            answer = details.to_change(s, aid, "I.1", read)
            assert answer.id == read.id and not s.dirty  # as loaded: nothing changed yet
            answer.score, answer.results_text = Decimal(2), "Đã ban hành kế hoạch"
            new = details.to_change(s, aid, "I.2", None)
            new.score = Decimal("0.5")
        async with sessionmaker() as s:
            rows = (await s.execute(select(Answer.id, Answer.item_id, Answer.score))).all()
            assert sorted((i, sc) for _, i, sc in rows) == [("I.1", 2), ("I.2", Decimal("0.5"))]
            assert [a for a, i, _ in rows if i == "I.1"] == [read.id]  # the same row
            assert (await s.get(Answer, read.id)).results_text == "Đã ban hành kế hoạch"

    async def test_an_answer_the_session_holds_already_is_the_one_changed(
        self, sessionmaker: Sessions
    ) -> None:
        aid = await with_one_answer(sessionmaker)
        async with sessionmaker() as s, s.begin():
            read = (await assessments.answers_and_position(s, aid, 1)).answers["I.1"]
            loaded = (await assessments.answers(s, aid))["I.1"]  # e.g. carried over
            assert details.to_change(s, aid, "I.1", read) is loaded
