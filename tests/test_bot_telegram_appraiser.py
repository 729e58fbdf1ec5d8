"""The appraisal through the fake Bot API server: two units, one appraiser, a return."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from docx import Document
from sqlalchemy import select

from bot.app import App
from bot.settings import Settings
from storage import people
from storage.models import Answer, Assessment, Role, Status, Unit, UnitKind
from tests.fake_telegram import FakeTelegram
from tests.support import rubric
from tests.telegram_support import Phone, answer_all, running
from tests.test_conversations_engine import TOTAL

# End to end through the channel (or every screen): `make test-fast` leaves them out
pytestmark = pytest.mark.slow


async def invite_to(app: App, code: str, role: Role) -> str:
    async with app.sessions() as s, s.begin():
        unit = await s.scalar(select(Unit).where(Unit.code == code))
        if unit is None:
            district = await s.scalar(select(Unit).where(Unit.code == "VG"))
            assert district is not None
            unit = Unit(code=code, name="UBND xã Liên Nghĩa", kind=UnitKind.COMMUNE,
                        parent_id=district.id, short_name="UBND", head_title="CHỦ TỊCH",
                        head_name="Trần Văn Bảy")  # fmt: skip
            s.add(unit)
            await s.flush()
        return (await people.create_invite(s, role, unit.id)).token


async def submit(phone: Phone) -> None:
    await answer_all(phone, evidence=False)  # from I.1, where the invite led; to the review
    await phone.tap("📤 Nộp báo cáo")
    await phone.tap("Tốt (gợi ý)")
    await phone.tap("✅ Xác nhận nộp")


def unit_button(phone: Phone, name: str) -> str:
    """The list button (a number) of the unit named in the list message."""
    text = phone.question.text
    line = next(line for line in text.splitlines() if name in line)
    return line.split(".", 1)[0]


async def test_appraisal_of_two_units(settings: Settings, fake: FakeTelegram) -> None:
    async with running(settings) as app:
        a = Phone(fake, fake.user(2001, "Cán bộ Cửu Cao"))
        b = Phone(fake, fake.user(2002, "Cán bộ Liên Nghĩa"))
        boss = Phone(fake, fake.user(2003, "Phòng Nội vụ"))
        await a.type(f"/start {await invite_to(app, 'VG-CUUCAO', Role.OFFICER)}")
        await b.type(f"/start {await invite_to(app, 'VG-LIENNGHIA', Role.OFFICER)}")
        token = await invite_to(app, "VG", Role.APPRAISER)
        await boss.type(f"/start {token}")
        assert "thành viên đoàn thẩm định" in boss.texts()
        other = Phone(fake, fake.user(2004))
        await other.type(f"/start {token}")  # the same invite twice
        assert "Mã mời không hợp lệ" in other.texts()

        await submit(a)
        assert "UBND xã Cửu Cao đã nộp báo cáo" in boss.texts()  # the appraisers are told
        await submit(b)

        # Officer A presses buttons naming B's assessment: nothing happens.
        async with app.sessions() as s:
            ids = dict((await s.execute(select(Unit.code, Assessment.id).join(Assessment))).all())
        last = fake.chat(2001)[-1].message_id  # A's chat has no open question after submitting
        for data in (
            f"1|{ids['VG-LIENNGHIA']}|a_unit:{ids['VG-LIENNGHIA']}|tl",
            f"1|{ids['VG-LIENNGHIA']}|menu|1",
        ):
            await a.press_raw(last, data)
            assert fake.callback_answers[-1].get("show_alert")

        await boss.type("/donvi")
        assert "🔵 đã nộp" in boss.question.text
        await boss.tap(unit_button(boss, "UBND xã Cửu Cao"))
        assert "Tiêu chí 1: tự chấm" in boss.question.text
        await boss.tap("✍️ Thẩm định")
        for n, item in enumerate(rubric().items()):
            assert boss.target() == f"a_item:{ids['VG-CUUCAO']}-{item.id}"
            if n == 0:
                await boss.type("Kế hoạch chưa có số, ngày ban hành.")  # a comment
                await boss.tap("1")
            else:
                await boss.tap_key("k")  # the unit's own score
        assert "Tổng điểm thẩm định của UBND xã Cửu Cao" in boss.texts()
        await boss.tap("Tốt (gợi ý)")
        await boss.tap("✅ Xác nhận kết quả")
        report = [m.document for m in fake.chat(2001) if m.document][-1]
        doc = Document(io.BytesIO(report.data))
        table = next(t for t in doc.tables if len(t.columns) == 6)
        total = next(r for r in table.rows if r.cells[1].text.strip() == "Tổng điểm")
        assert Decimal(total.cells[4].text.replace(",", ".")) == TOTAL - 1
        assert "đã được thẩm định: xếp loại Tốt" in a.texts()

        await boss.tap("◀ Danh sách")
        await boss.tap(unit_button(boss, "UBND xã Liên Nghĩa"))
        await boss.tap("↩️ Trả lại")
        await boss.type("Đề nghị bổ sung tài liệu kiểm chứng cho tiêu chí 4.")
        assert "Lý do: Đề nghị bổ sung tài liệu kiểm chứng" in b.texts()
        await b.type("/xemlai")
        await b.type("IV.2")
        await b.tap_key("2")  # back to the review at once
        await b.tap("📤 Nộp báo cáo")
        await b.tap("Tốt (gợi ý)")
        await b.tap("✅ Xác nhận nộp")

        async with app.sessions() as s:
            rows = {
                code: (status, rating)
                for code, status, rating in (
                    await s.execute(
                        select(Unit.code, Assessment.status, Assessment.final_rating).join(
                            Assessment
                        )
                    )
                ).all()
            }
            iv2 = await s.scalar(
                select(Answer.score).where(
                    Answer.assessment_id == ids["VG-LIENNGHIA"], Answer.item_id == "IV.2"
                )
            )
        await boss.type("/tonghop")
        names = [m.document.filename for m in fake.chat(2003) if m.document]
        assert {n.rsplit(".", 1)[1] for n in names[-3:]} == {"xlsx", "docx", "png"}
        assert rows["VG-CUUCAO"] == (Status.APPRAISED, "tot")
        assert rows["VG-LIENNGHIA"] == (Status.SUBMITTED, None)
        assert iv2 == Decimal(2)


async def test_a_removed_person_is_refused(settings: Settings, fake: FakeTelegram) -> None:
    async with running(settings) as app:
        a = Phone(fake, fake.user(2101))
        await a.type(f"/start {await invite_to(app, 'VG-CUUCAO', Role.OFFICER)}")
        async with app.sessions() as s, s.begin():
            person = await people.person_for(s, "telegram", "2101")
            assert person is not None
            person.removed_at = people.now()
        await a.type("/tieptuc")
        assert "chưa được cấp quyền" in (fake.chat(2101)[-1].text or "")
        await a.type(f"/start {await invite_to(app, 'VG-CUUCAO', Role.OFFICER)}")  # a new invite
        assert "đã bị thu hồi quyền" in (fake.chat(2101)[-1].text or "")
