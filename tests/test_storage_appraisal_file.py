"""storage.appraisal.unit_file on each backend: everything the appraiser's screens show of one
unit's assessment, in one statement, and nothing of a unit the authority does not appraise."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import assessments, people
from storage.appraisal import recipients, unit_file
from storage.earlier import Earlier
from storage.models import Answer, Appraisal, CriterionNote, Period, Role, Status
from tests.test_conversations_statements import counted
from tests.test_storage_carry import communes, photo, report, succeeds

Sessions = async_sessionmaker[AsyncSession]


async def test_the_file_of_a_unit_returned_and_changed_since(
    engine: AsyncEngine, sessionmaker: Sessions
) -> None:
    async with sessionmaker() as s, s.begin():
        district, (old, new, untouched) = await communes(s, "Cũ", "Mới", "Khác")
        s.add(succeeds(new, old))
        past = await report(s, old, 2022, district)
        past.status, past.self_total, past.proposed_rating = Status.SUBMITTED, Decimal(70), "kha"
        a = await report(s, new, 2026, district)
        empty = await report(s, untouched, 2026, district)
        s.add_all([Answer(assessment_id=a.id, item_id=i, score=Decimal(1)) for i in ("I.1", "I.2")])
        s.add(Appraisal(assessment_id=a.id, item_id="I.1", score=Decimal("0.5")))
        s.add(CriterionNote(assessment_id=a.id, criterion_id="I", strengths="Tốt"))
        s.add_all([photo(a, "I.2", "x1"), photo(a, "I.2", "x2"), photo(a, "I.1", "x3")])
        for action, item in [("answer.score", "I.1"), ("assessment.return", None),
                             ("answer.score", "I.2"), ("evidence.add", "II.1"),
                             ("answer.score", "I.2"), ("appraisal.score", "III.1")]:  # fmt: skip
            assessments.audit(s, a, None, action, item)
            await s.flush()  # in this order
        for n, (role, unit) in enumerate([(Role.OFFICER, new), (Role.OFFICER, new),
                                          (Role.APPRAISER, new), (Role.OFFICER, old)]):  # fmt: skip
            person = await people.add_person(s, f"Người {n}", "telegram", f"{n}", f"c{n}")
            await people.grant(s, person.id, role, unit.id)
            if n == 0:  # on Zalo too, and a second Telegram account in the same chat
                await people.add_identity(s, person.id, "zalo", "z0", "z0")
                await people.add_identity(s, person.id, "telegram", "00", "c0")
        period = await s.get(Period, a.period_id)
        assert period is not None
    async with sessionmaker() as s:
        with counted(engine) as statements:
            f = await unit_file(s, a.id, period, district.id)
        assert f is not None and len(statements) == 1
        assert (f.a.id, f.unit.id) == (a.id, new.id)
        assert {k: v.score for k, v in f.answers.items()} == {"I.1": 1, "I.2": 1}
        assert f.given_scores() == {"I.1": Decimal("0.5")}
        assert {k: v.strengths for k, v in f.notes.items()} == {"I": "Tốt"}
        assert f.files == {"I.2": 2, "I.1": 1}
        assert f.changed == {"I.2", "II.1"}  # since the return, by the unit
        assert f.earlier == (Earlier(old.name, 2022, Decimal(70), "kha", False),)
        assert f.chats == [("telegram", "c0"), ("zalo", "z0"), ("telegram", "c1")]  # by identity
        assert f.chats == await recipients(s, new.id, Role.OFFICER)

        nothing = await unit_file(s, empty.id, period, district.id)
        assert nothing is not None and nothing.a.id == empty.id
        assert (nothing.answers, nothing.given, nothing.notes, nothing.files) == ({}, {}, {}, {})
        assert (nothing.changed, nothing.earlier, nothing.chats) == (set(), (), [])

        assert await unit_file(s, a.id, period, new.id) is None  # not an authority of it
        other = await s.scalar(select(Period).where(Period.year == 2022))
        assert other is not None and await unit_file(s, a.id, other, district.id) is None
        assert await unit_file(s, 10**6, period, district.id) is None
