"""storage.carry on each backend: the earlier reports of a unit and the units it succeeds
(however many mergers back), one item's earlier answers, and the copy of one item; and whether
an officer's event needs to look for them at all (storage.assessments)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from rubric.loader import load_rubric
from storage import assessments, carry
from storage.models import (
    Answer,
    Assessment,
    CriterionNote,
    Evidence,
    Period,
    Person,
    Unit,
    UnitKind,
    UnitSuccession,
)
from tests.test_storage_assessments import period

Sessions = async_sessionmaker[AsyncSession]
SAME = {"hung-yen-2022": "I.1"}  # the rubric of every report here: I.1 is carried from I.1


async def report(s: AsyncSession, unit: Unit, year: int, authority: Unit) -> Assessment:
    """The unit's report of ``year`` (the authority's period of the year, made when missing)."""
    of_year = select(Period).where(Period.year == year, Period.authority_id == authority.id)
    p = await s.scalar(of_year)
    if p is None:
        p = period(year, authority)
        s.add(p)
        await s.flush()
    a = Assessment(unit_id=unit.id, period_id=p.id)
    s.add(a)
    await s.flush()
    return a


def photo(a: Assessment, item_id: str, sha: str) -> Evidence:
    return Evidence(
        assessment_id=a.id, item_id=item_id, kind="photo", original_name=f"{sha}.jpg",
        mime_type="image/jpeg", size=1, sha256=sha, storage_key=sha,
    )  # fmt: skip


async def communes(s: AsyncSession, *names: str) -> tuple[Unit, list[Unit]]:
    district = Unit(code="H", name="UBND huyện Văn Giang", kind=UnitKind.DISTRICT)
    made = [
        Unit(code=f"X{n}", name=f"UBND xã {name}", kind=UnitKind.COMMUNE, parent=district)
        for n, name in enumerate(names)
    ]
    s.add_all([district, *made])
    await s.flush()
    return district, made


def succeeds(new: Unit, old: Unit) -> UnitSuccession:
    return UnitSuccession(predecessor_id=old.id, successor_id=new.id, effective_on=date(2025, 7, 1))


async def test_the_reports_of_every_unit_merged_in_however_long_ago(sessionmaker: Sessions) -> None:
    async with sessionmaker() as s, s.begin():
        district, (old, middle, new, other) = await communes(s, "A", "B", "C", "D")
        s.add_all([succeeds(middle, old), succeeds(new, middle), succeeds(old, new)])  # a loop
        for unit, year in ((old, 2018), (middle, 2022), (other, 2021)):
            a = await report(s, unit, year, district)
            s.add(Answer(assessment_id=a.id, item_id="I.1", results_text=f"{unit.name} {year}"))
        empty = await report(s, old, 2020, district)  # holds nothing to take over
        found = await carry.sources(s, new.id, 2026)
        assert [(x.unit_name, x.year) for x in found] == [("UBND xã B", 2022), ("UBND xã A", 2018)]
        assert empty.id not in {x.assessment_id for x in found}
        assert await carry.sources(s, new.id, 2022) == found[1:]  # earlier years only


async def test_one_item_s_earlier_answers(sessionmaker: Sessions) -> None:
    async with sessionmaker() as s, s.begin():
        district, (old, new) = await communes(s, "A", "B")
        s.add(succeeds(new, old))
        then = await report(s, old, 2022, district)
        now = await report(s, new, 2026, district)
        s.add_all([
            Answer(assessment_id=then.id, item_id="I.1", results_text="Năm 2022"),
            Answer(assessment_id=then.id, item_id="I.2", results_text="Không phải mục này"),
            photo(then, "I.1", "a"), photo(then, "I.1", "b"), photo(then, "I.2", "c"),
            photo(now, "I.1", "a"),  # listed already: not counted
            photo(then, "I.3", "d"),  # a file, no text
        ])  # fmt: skip
        (found,) = await carry.item_sources(s, now, 2026, "I.1", SAME)
        assert (found.source.unit_name, found.text, found.files) == ("UBND xã A", "Năm 2022", 1)
        assert await carry.item_sources(s, now, 2026, "I.1", {"another-rubric": "I.1"}) == []
        assert await carry.item_sources(s, now, 2026, "I.1", {}) == []
        (other,) = await carry.item_sources(s, now, 2026, "I.2", {"hung-yen-2022": "I.2"})
        assert (other.text, other.files) == ("Không phải mục này", 1)
        (files_only,) = await carry.item_sources(s, now, 2026, "I.3", {"hung-yen-2022": "I.3"})
        assert (files_only.text, files_only.files) == (None, 1)


async def test_one_item_copied_alone(sessionmaker: Sessions) -> None:
    async with sessionmaker() as s, s.begin():
        district, (unit,) = await communes(s, "A")
        then = await report(s, unit, 2022, district)
        now = await report(s, unit, 2026, district)
        s.add_all([
            Answer(assessment_id=then.id, item_id="I.1", results_text="Năm 2022", score=2),
            Answer(assessment_id=then.id, item_id="I.2", results_text="Mục khác"),
            CriterionNote(assessment_id=then.id, criterion_id="I", strengths="Làm tốt"),
            photo(then, "I.1", "a"), photo(then, "I.2", "b"),
        ])  # fmt: skip
        officer = Person(full_name="Cán bộ xã A")
        s.add(officer)
        await s.flush()
        (source,) = await carry.sources(s, unit.id, 2026)
        items = load_rubric("hung-yen-2022").carried_items("hung-yen-2022")
        done, written = await carry.carry(s, now, source, items, officer.id, only_item="I.1")
        assert (done.results, done.notes, done.files) == (1, 0, 1)
        assert written == [("I.1", "Năm 2022")]
        answers = await assessments.answers(s, now.id)
        assert {k: (a.score, a.results_text) for k, a in answers.items()} == {
            "I.1": (None, "Năm 2022")
        }
        files = await s.scalars(select(Evidence.item_id).where(Evidence.assessment_id == now.id))
        assert list(files) == ["I.1"]
        again, _ = await carry.carry(s, now, source, items, officer.id, only_item="I.1")
        assert (again.results, again.files) == (0, 0)  # nothing over what is there
        unmapped, _ = await carry.carry(s, now, source, {}, officer.id, only_item="I.2")
        assert (unmapped.results, unmapped.files) == (0, 0)


async def test_an_event_looks_for_earlier_answers_only_when_there_may_be_some(
    sessionmaker: Sessions,
) -> None:
    async with sessionmaker() as s, s.begin():
        district, (first, again, merged, old) = await communes(s, "A", "B", "C", "D")
        reports = {u.code: await report(s, u, 2026, district) for u in (first, again, merged)}
        await report(s, again, 2022, district)
        s.add(succeeds(merged, old))
        await s.flush()
        found = {
            code: (await assessments.answers_and_position(s, a.id, 1)).may_carry
            for code, a in reports.items()
        }
        assert found == {"X0": False, "X1": True, "X2": True}
