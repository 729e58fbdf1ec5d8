"""Who is due which reminder when (conversations.reminders), without any channel.

``populate`` (used by the other reminder tests too) builds the demo district with three units:
Cửu Cao (officer 1001, 3 items scored, 1 file), Liên Nghĩa (officer 1002, submitted), Tân Tiến
(officers 1003 and 1004, nothing answered), and an appraiser (1009) at the district.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.demo import ensure_demo
from conversations.reminders import RESUME_TARGET, Schedule, current, due_at, plan
from rubric.loader import load_rubric
from storage import people
from storage.models import (
    Answer,
    Assessment,
    Evidence,
    Period,
    Person,
    ReminderSent,
    Role,
    Status,
    Unit,
    UnitKind,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICERS = {1001: "VG-CUUCAO", 1002: "VG-LIENNGHIA", 1003: "VG-TANTIEN", 1004: "VG-TANTIEN"}
APPRAISER = 1009
NAMES = {"VG-LIENNGHIA": "UBND xã Liên Nghĩa", "VG-TANTIEN": "UBND xã Tân Tiến"}


def vn(text: str) -> datetime:
    """A wall-clock time in Việt Nam, e.g. "2022-11-14 08:00"."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


@dataclass
class World:
    period_id: int
    units: dict[str, int]  # code -> unit id
    assessments: dict[str, int]  # code -> assessment id
    people: dict[int, int]  # telegram user id -> person id


async def populate(s: AsyncSession) -> World:
    cuucao = await ensure_demo(s)
    district = await people.unit(s, cuucao.parent_id or 0)
    period = await s.scalar(select(Period).where(Period.authority_id == district.id))
    assert period is not None
    units = {"VG-CUUCAO": cuucao}
    for code, name in NAMES.items():
        unit = Unit(code=code, name=name, kind=UnitKind.COMMUNE, parent_id=district.id)
        s.add(unit)
        units[code] = unit
    await s.flush()
    assessments = {}
    for code, unit in units.items():
        a = Assessment(unit_id=unit.id, period_id=period.id)
        if code == "VG-LIENNGHIA":
            a.status, a.submitted_at = Status.SUBMITTED, datetime(2022, 11, 10, tzinfo=UTC)
        s.add(a)
        await s.flush()
        assessments[code] = a.id
    for item_id in ("I.1", "I.2", "II.1"):
        s.add(Answer(assessment_id=assessments["VG-CUUCAO"], item_id=item_id, score=Decimal(1)))
    s.add(Evidence(assessment_id=assessments["VG-CUUCAO"], item_id="I.1", kind="document",
                   original_name="ke-hoach.pdf", mime_type="application/pdf", size=10,
                   sha256="0" * 64, storage_key="00/00"))  # fmt: skip
    persons = {}
    for uid, code in [*OFFICERS.items(), (APPRAISER, "VG")]:
        person = await people.add_person(s, f"Người {uid}", "telegram", str(uid), str(uid))
        unit_id = district.id if code == "VG" else units[code].id
        role = Role.APPRAISER if code == "VG" else Role.OFFICER
        await people.grant(s, person.id, role, unit_id)
        persons[uid] = person.id
    codes = {code: u.id for code, u in units.items()}
    return World(period.id, codes, assessments, persons)


@pytest.fixture
async def world(sessionmaker: async_sessionmaker[AsyncSession]) -> World:
    async with sessionmaker() as s, s.begin():
        return await populate(s)


async def due(
    sessionmaker: async_sessionmaker[AsyncSession], at: str, *, record: bool = False
) -> dict[str, str]:
    """chat id -> text of what is due at ``at`` (Việt Nam time); ``record``: as if sent."""
    async with sessionmaker() as s, s.begin():
        found = await due_at(s, load_rubric, vn(at))
        if record:
            for d in found:
                s.add(ReminderSent(period_id=d.period_id, key=d.key, unit_id=d.unit.id))
    texts: dict[str, str] = {}
    for d in found:
        assert d.reply.recipient is not None
        chat = d.reply.recipient.chat_id
        texts[chat] = f"{texts[chat]}\n\n{d.reply.text}" if chat in texts else d.reply.text
    return texts


# --- the schedule, pure ----------------------------------------------------------------------


def period(schedule: dict | None = None) -> Period:
    return Period(
        year=2022,
        submit_by=date(2022, 11, 15),
        appraise_by=date(2022, 12, 1),
        report_by=date(2022, 12, 10),
        timezone="Asia/Ho_Chi_Minh",
        reminder_schedule=schedule,
    )


def test_the_default_schedule_and_bad_data() -> None:
    assert Schedule.of(None) == Schedule((7, 3, 1, 0), 8, (21, 7))
    assert Schedule.of(None).as_json() == {
        "offsets_days": [7, 3, 1, 0],
        "hour": 8,
        "quiet": [21, 7],
    }
    assert Schedule.of({"offsets_days": [1, 5, 1], "hour": 9}) == Schedule((5, 1), 9, (21, 7))
    assert Schedule.of({"offsets_days": "7", "hour": 23}) == Schedule()  # quiet hour, not a list
    assert Schedule.of({"hour": True, "quiet": [22]}) == Schedule()
    quiet = Schedule()
    assert [h for h in range(24) if quiet.is_quiet_hour(h)] == [0, 1, 2, 3, 4, 5, 6, 21, 22, 23]


def test_the_plan_of_a_period() -> None:
    slots = plan(period(), Schedule())
    submit = [(s.due, s.label) for s in slots if s.chain == "submit"]
    assert submit == [
        (vn("2022-11-08 08:00"), "d-7"),
        (vn("2022-11-12 08:00"), "d-3"),
        (vn("2022-11-14 08:00"), "d-1"),
        (vn("2022-11-15 08:00"), "d-0"),
        (vn("2022-11-16 08:00"), "overdue"),
    ]
    assert {s.chain for s in slots} == {"submit", "late", "appraise", "report"}
    assert [s.prefix for s in slots if s.chain == "late"] == ["submit_by:2022-11-15:late"]

    def now(at: str) -> list[str]:
        return sorted(s.prefix for s in current(slots, vn(at)))

    assert now("2022-11-08 07:59") == []
    assert now("2022-11-08 08:00") == ["submit_by:2022-11-15:d-7"]
    assert now("2022-11-11 23:59") == ["submit_by:2022-11-15:d-7"]  # missed: still worth it
    assert now("2022-11-12 00:00") == []  # the day of the next link: wait for it
    assert now("2022-11-13 07:00") == ["submit_by:2022-11-15:d-3"]
    assert now("2022-11-15 23:59") == ["submit_by:2022-11-15:d-0"]
    assert now("2022-11-16 07:59") == []  # the deadline passed; the overdue notice is at 8
    assert now("2022-11-16 08:00") == ["submit_by:2022-11-15:late", "submit_by:2022-11-15:overdue"]
    assert now("2022-11-30 10:00") == ["appraise_by:2022-12-01:d-1", "submit_by:2022-11-15:late",
                                       "submit_by:2022-11-15:overdue"]  # fmt: skip
    assert now("2022-12-02 08:00")[0] == "appraise_by:2022-12-01:overdue"
    assert now("2022-12-11 08:00") == []  # everything is over


def test_a_schedule_of_its_own() -> None:
    slots = plan(
        period({"offsets_days": [2], "hour": 14}), Schedule.of({"offsets_days": [2], "hour": 14})
    )
    submit = [s for s in slots if s.chain == "submit"]
    assert [(s.due, s.until) for s in submit] == [
        (vn("2022-11-13 14:00"), vn("2022-11-16 00:00")),
        (vn("2022-11-16 14:00"), vn("2022-12-02 00:00")),  # overdue: until the appraisal is due
    ]


# --- who, on the database ------------------------------------------------------------------


async def test_officers_of_units_not_submitted(
    sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    texts = await due(sessionmaker, "2022-11-14 08:00")
    assert sorted(texts) == ["1001", "1003", "1004"]  # not 1002 (submitted), not the appraiser
    assert "UBND xã Cửu Cao · năm 2022" in texts["1001"]
    assert "Hạn nộp: 15/11/2022 (còn 1 ngày, hạn là ngày mai)." in texts["1001"]
    assert "đã chấm 3/28 mục · 1 tệp minh chứng" in texts["1001"]
    assert "• Tiêu chí 1: I.3, I.4, I.5" in texts["1001"]
    assert "• Tiêu chí 2: II.2" in texts["1001"]
    assert "• Tiêu chí 3, 4, 5, 6, 7, 8: chưa chấm mục nào" in texts["1001"]
    assert "0/28 mục · 0 tệp minh chứng.\nĐơn vị chưa bắt đầu tự chấm điểm." in texts["1003"]
    async with sessionmaker() as s:
        (one, *_) = await due_at(s, load_rubric, vn("2022-11-14 08:00"))
    unit, person = world.units["VG-CUUCAO"], world.people[1001]
    assert one.key == f"submit_by:2022-11-15:d-1:unit={unit}:person={person}"
    assert one.reply.target == RESUME_TARGET
    assert one.reply.assessment_id == world.assessments["VG-CUUCAO"]
    assert [[b.label for b in row] for row in one.reply.buttons] == [["▶ Tiếp tục"]]

    assert await due(sessionmaker, "2022-11-15 08:00") != {}
    assert "hôm nay là ngày cuối cùng" in (await due(sessionmaker, "2022-11-15 08:00"))["1003"]


async def test_nothing_at_night_nor_twice(
    sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    assert await due(sessionmaker, "2022-11-14 21:00") == {}
    assert await due(sessionmaker, "2022-11-15 06:59") == {}
    assert await due(sessionmaker, "2022-11-14 08:00", record=True) != {}
    assert await due(sessionmaker, "2022-11-14 20:59") == {}  # sent already
    assert sorted(await due(sessionmaker, "2022-11-15 08:00")) == ["1001", "1003", "1004"]


async def test_overdue_and_the_appraisers(
    sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    texts = await due(sessionmaker, "2022-11-16 08:00", record=True)
    assert sorted(texts) == ["1001", "1003", "1004", "1009"]
    assert "QUÁ HẠN NỘP BÁO CÁO TỰ ĐÁNH GIÁ" in texts["1001"]
    assert "hạn nộp là ngày 15/11/2022" in texts["1001"]
    late = texts["1009"]
    assert "còn 2 đơn vị chưa nộp" in late
    assert "• UBND xã Cửu Cao" in late and "• UBND xã Tân Tiến" in late
    assert "Liên Nghĩa" not in late

    async with sessionmaker() as s, s.begin():  # Tân Tiến was returned after submitting
        a = await s.get(Assessment, world.assessments["VG-TANTIEN"])
        assert a is not None
        a.returned_reason = "Bổ sung tài liệu kiểm chứng"
    assert await due(sessionmaker, "2022-11-20 10:00") == {}  # told once
    digest = (await due(sessionmaker, "2022-11-24 08:00", record=True))["1009"]
    assert "Hạn thẩm định: 01/12/2022 (còn 7 ngày)." in digest
    assert "Đã nộp, chờ thẩm định (1):\n• UBND xã Liên Nghĩa" in digest
    assert "Đã trả lại, đơn vị chưa nộp lại (1):\n• UBND xã Tân Tiến" in digest
    assert "Quá hạn, chưa nộp báo cáo (1):\n• UBND xã Cửu Cao" in digest
    late_appraisal = (await due(sessionmaker, "2022-12-02 09:00"))["1009"]
    assert "NHẮC HẠN THẨM ĐỊNH" not in late_appraisal  # the appraisal deadline passed
    assert "QUÁ HẠN THẨM ĐỊNH" in late_appraisal and "Liên Nghĩa" in late_appraisal
    report = (await due(sessionmaker, "2022-12-07 08:00"))["1009"]
    assert "Hạn gửi kết quả thẩm định, xếp loại lên cấp trên: 10/12/2022 (còn 3 ngày)" in report
    assert "Đã thẩm định 0/3 đơn vị." in report


async def test_removed_people_and_other_channels_get_nothing(
    sessionmaker: async_sessionmaker[AsyncSession], world: World
) -> None:
    async with sessionmaker() as s, s.begin():
        person = await s.get(Person, world.people[1003])
        assert person is not None
        person.removed_at = datetime(2022, 11, 1, tzinfo=UTC)
    texts = await due(sessionmaker, "2022-11-14 08:00")
    assert sorted(texts) == ["1001", "1004"]  # the console demo officer is not on Telegram
    async with sessionmaker() as s:
        console = await due_at(s, load_rubric, vn("2022-11-14 08:00"), channels=("console",))
    assert [d.contact.chat_id for d in console] == ["demo"]
    with pytest.raises(ValueError, match="aware"):
        async with sessionmaker() as s:
            await due_at(s, load_rubric, datetime(2022, 11, 14, 8))
