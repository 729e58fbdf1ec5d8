"""A real district on Telegram: the 26 sample units, two officers a unit, the appraiser."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from docx import Document
from sqlalchemy import select

from bot.app import App
from bot.settings import Settings
from storage.admin import periods as period_admin
from storage.admin import units as unit_admin
from storage.models import Appraisal, Assessment, Period, Role
from tests.district_support import fill, invite, sample_district
from tests.fake_telegram import FakeTelegram
from tests.support import rubric
from tests.telegram_support import JPEG, Phone, running
from tests.two_officers import interleave


async def test_the_appraiser_pages_through_the_26_units(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings, demo=False) as app:
        await sample_district(app)
        boss = Phone(fake, fake.user(3001, "Phòng Nội vụ"))
        await boss.type(f"/start {await invite(app, 'VG', Role.APPRAISER)}")
        page = boss.question.text
        assert "trang 1/4" in page and "Tổng: 26 đơn vị" in page, page
        assert [t for t, _ in fake.buttons(boss.question)][:8] == [str(n) for n in range(1, 9)]
        await boss.tap("Trang sau ▶")
        assert "trang 2/4" in boss.question.text
        await boss.tap("Trang sau ▶")
        await boss.tap("Trang sau ▶")
        last = boss.question.text
        assert "trang 4/4" in last and "26. " in last
        assert "Trang sau ▶" not in [t for t, _ in fake.buttons(boss.question)]
        await boss.tap("26")
        assert "Trạng thái: đang tự đánh giá" in boss.question.text
        await boss.type("/donvi")
        assert "trang 1/4" in boss.question.text
        before = len(fake.chat(3001))
        await boss.type("/tonghop")  # nobody has submitted: no empty table
        assert "Chưa có đơn vị nào nộp báo cáo tự đánh giá năm 2022" in boss.texts(before)
        assert not [m for m in fake.chat(3001)[before:] if m.document]
        assert not [c for c in fake.calls if not c.ok and c.method != "getUpdates"]


async def join(app: App, fake: FakeTelegram, uid: int, name: str, code: str, role: Role) -> Phone:
    phone = Phone(fake, fake.user(uid, name))
    await phone.type(f"/start {await invite(app, code, role)}")
    return phone


async def submit(phone: Phone) -> None:
    """From the review, with every item answered (it then offers «📤 Nộp báo cáo»): say who
    signs when asked (the sample units' rows have titles, not names), propose the suggested
    rating."""
    await phone.type("/xemlai")
    await phone.tap("📤 Nộp báo cáo")
    if phone.target() == "signer_name":
        await phone.type("Nguyễn Văn An")
        await phone.tap(phone.button_labels()[0])  # the head's title: Chủ tịch, Trưởng phòng…
    await phone.tap("Tốt (gợi ý)")
    await phone.tap("✅ Xác nhận nộp")
    assert "đã nộp báo cáo tự đánh giá" in phone.texts()


async def open_unit(boss: Phone, name: str) -> None:
    """From the appraiser's list (any page), open the unit's card."""
    await boss.type("/donvi")
    while name not in boss.question.text:
        await boss.tap("Trang sau ▶")
    line = next(line for line in boss.question.text.splitlines() if name in line)
    await boss.tap(line.split(".", 1)[0])
    assert f"🏛 {name}" in boss.question.text


async def test_the_unit_card_keeps_its_buttons_after_the_report_and_the_files(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings, demo=False) as app:
        district = await sample_district(app)
        officer = await join(app, fake, 3101, "Cán bộ Cửu Cao", "VG-CUUCAO", Role.OFFICER)
        boss = await join(app, fake, 3102, "Phòng Nội vụ", "VG", Role.APPRAISER)
        await fill(app, district, "VG-CUUCAO")
        await officer.type("/xemlai")
        await officer.type("I.1")
        await officer.send(fake.send_photo(officer.user, JPEG, caption="Hội nghị"))
        await submit(officer)

        await open_unit(boss, "UBND xã Cửu Cao")
        card = boss.question.message_id
        await boss.tap("📄 Báo cáo")
        after = fake.chat(3102)[[m.message_id for m in fake.chat(3102)].index(card) + 1 :]
        documents = [m.document.filename for m in after if m.document]
        assert [name[:19] for name in documents] == ["Báo cáo tự đánh giá", "Báo cáo tóm tắt kết"]
        assert all(name.endswith(" - UBND xã Cửu Cao.docx") for name in documents)
        assert after[-1].reply_markup and "🏛 UBND xã Cửu Cao" in (after[-1].text or "")
        await boss.tap("📎 Tệp minh chứng")
        names = [m.document.filename for m in fake.chat(3102) if m.document]
        assert names[-1].startswith("I.1-anh-") and names[-1].endswith("-1.jpg")
        assert "✍️ Thẩm định" in [t for t, _ in fake.buttons(fake.chat(3102)[-1])]


@pytest.mark.slow
async def test_re_appraisal_starts_at_the_item_the_unit_changed(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings, demo=False) as app:
        district = await sample_district(app)
        officer = await join(app, fake, 3201, "Cán bộ Mễ Sở", "VG-MESO", Role.OFFICER)
        boss = await join(app, fake, 3202, "Phòng Nội vụ", "VG", Role.APPRAISER)
        await fill(app, district, "VG-MESO")
        await submit(officer)

        await open_unit(boss, "UBND xã Mễ Sở")
        await boss.tap("✍️ Thẩm định")
        longest = max((c.label for i in rubric().items() for c in i.choices), key=len)
        seen: list[str] = []
        while boss.target().startswith("a_item:"):
            seen.append(boss.question.text)
            await boss.tap_key("k")  # = Như đơn vị
        assert len(seen) == 28 and any(longest in text for text in seen)  # tiers in full
        await boss.tap("Tốt (gợi ý)")
        await boss.tap("✅ Xác nhận kết quả")
        await boss.tap("↩️ Trả lại")
        await boss.type("Đề nghị bổ sung minh chứng mục IV.2.")
        assert "Lý do: Đề nghị bổ sung minh chứng mục IV.2." in officer.texts()

        await officer.type("/xemlai")
        await officer.type("IV.2")
        await officer.tap_key("2")
        await submit(officer)

        await open_unit(boss, "UBND xã Mễ Sở")
        await boss.tap("✍️ Thẩm định")
        assert boss.target() == f"a_item:{district.assessments['VG-MESO']}-IV.2"
        assert "✏️ Đơn vị đã sửa mục này" in boss.question.text
        await boss.type("2 hội nghị tiếp dân chưa có biên bản")  # words after a digit: a comment
        assert "Đã ghi nhận xét cho mục IV.2" in boss.texts()
        assert boss.target().endswith("-IV.2")
        await boss.tap("2")
        assert boss.target() == f"a_rating:{district.assessments['VG-MESO']}"  # nothing else
        async with app.sessions() as s:
            comment = await s.scalar(
                select(Appraisal.comment).where(
                    Appraisal.assessment_id == district.assessments["VG-MESO"],
                    Appraisal.item_id == "IV.2",
                )
            )
        assert comment is not None and "2 hội nghị tiếp dân chưa có biên bản" in comment


async def test_two_officers_of_one_unit_each_answer_their_own_question(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings, demo=False) as app:
        district = await sample_district(app)
        a = await join(app, fake, 3301, "Nguyễn Văn An", "VG-CUUCAO", Role.OFFICER)
        b = await join(app, fake, 3302, "Trần Thị Bình", "VG-CUUCAO", Role.OFFICER)
        await interleave(
            app, district.assessments["VG-CUUCAO"], a, b, ("Nguyễn Văn An", "Trần Thị Bình")
        )


async def test_the_officer_says_who_signs_before_submitting_and_it_is_kept(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings, demo=False) as app:
        district = await sample_district(app)
        officer = await join(app, fake, 3401, "Cán bộ Phòng Nội vụ", "VG-PNV", Role.OFFICER)
        await fill(app, district, "VG-PNV")
        await officer.type("/xemlai")
        await officer.tap("📤 Nộp báo cáo")
        assert officer.target() == "signer_name"  # the units file has the title, not the name
        await officer.type("Trần Văn Nam")
        assert officer.button_labels()[:2] == ["Trưởng phòng", "Phó trưởng phòng"]
        await officer.tap("Phó trưởng phòng")
        assert "Người ký: KT. TRƯỞNG PHÒNG / PHÓ TRƯỞNG PHÒNG — Trần Văn Nam" in officer.texts()
        await officer.tap("Tốt (gợi ý)")
        confirm = officer.question.text
        assert "Người ký: KT. TRƯỞNG PHÒNG / PHÓ TRƯỞNG PHÒNG — Trần Văn Nam" in confirm
        await officer.tap("✅ Xác nhận nộp")
        report = next(m.document for m in reversed(fake.chat(3401)) if m.document)
        doc = Document(io.BytesIO(report.data))
        header = [p.text for p in doc.tables[0].rows[0].cells[0].paragraphs if p.text]
        assert header == ["UBND HUYỆN VĂN GIANG", "PHÒNG NỘI VỤ"]
        date_line = doc.tables[0].rows[1].cells[1].text
        assert date_line == "Văn Giang, ngày ... tháng ... năm 2022"
        closing = next(t for t in doc.tables if t.rows[0].cells[0].text.startswith("Nơi nhận"))
        signed = [p.text for p in closing.rows[0].cells[1].paragraphs if p.text]
        assert signed == ["KT. TRƯỞNG PHÒNG", "PHÓ TRƯỞNG PHÒNG", "Trần Văn Nam"]

        # The next year the unit's row remembers the signer: nobody is asked again.
        async with app.sessions() as s, s.begin():
            vg = await unit_admin.need_unit(s, "VG")
            await period_admin.create_period(
                s, vg, year=2023, rubric_id="hung-yen-2022", submit_by=date(2023, 11, 15),
                appraise_by=date(2023, 12, 1), report_by=date(2023, 12, 10),
            )  # fmt: skip
            aid = await s.scalar(
                select(Assessment.id)
                .join(Period)
                .where(Period.year == 2023, Assessment.unit_id == district.units["VG-PNV"])
            )
        await fill(app, replace(district, assessments={"VG-PNV": aid}), "VG-PNV")
        await officer.type("/xemlai")
        await officer.tap("📤 Nộp báo cáo")
        assert officer.target() == "rating"
