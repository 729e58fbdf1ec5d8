"""The desk in Chromium at an office screen's 1366x768, signed in from the link the appraiser
got in the Telegram chat: the district at a glance, a unit with 40 evidence files appraised
item by item with the keyboard and the mouse, its rating; another unit returned; the officers
told in the chat. Screenshots go to $DANVAN_SCREENSHOTS (docs/desk to refresh the docs)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from bot.settings import Settings
from storage.models import Appraisal, Assessment, Status
from tests.browser_support import PHONE, shoot, shots_dir
from tests.desk_support import desk_running, with_evidence
from tests.fake_telegram import FakeTelegram
from tests.support import rubric
from tests.test_conversations_engine import SCORES

pytestmark = pytest.mark.slow  # a browser in a process of its own
OFFICE = {"width": 1366, "height": 768}


async def test_a_unit_appraised_and_another_returned_in_the_browser(
    settings: Settings, fake: FakeTelegram, tmp_path: Path, browser: Any
) -> None:
    shots = shots_dir(tmp_path)
    async with desk_running(settings, tmp_path, fake) as desk:
        boss = await desk.appraiser(3001)
        officer = await desk.officer(3101, "VG-CUUCAO")
        other = await desk.officer(3103, "VG-LIENNGHIA")
        aid = await desk.submitted("VG-CUUCAO")
        back = await desk.submitted("VG-LIENNGHIA")
        await with_evidence(desk.app, aid)

        context = await browser.new_context(viewport=OFFICE, locale="vi-VN")
        page = await context.new_page()
        await page.goto(await desk.link(boss))
        await expect(page.locator("h1")).to_contain_text("Tự đánh giá công tác dân vận")
        await expect(page.locator("tbody tr")).to_have_count(26)
        await shoot(page, shots / "1-ban-tong-hop.png")

        await page.get_by_role("link", name="Đã nộp, chờ thẩm định (2)").click()
        await expect(page.locator("tbody tr")).to_have_count(2)
        await page.get_by_role("link", name="UBND xã Cửu Cao").click()
        await expect(page.locator("h1")).to_have_text("UBND xã Cửu Cao")
        assert await page.locator(".thumbs img").count() == 30  # the photos as thumbnails
        assert await page.locator(".docs a").count() == 10  # the PDFs as links
        await shoot(page, shots / "2-ho-so-don-vi.png")

        for n, item in enumerate(rubric().items()):
            row = page.locator(f'[id="item-{item.id}"]')
            points = Decimal(str(SCORES[item.id]))
            if item.is_tiered:
                index = [c.points for c in item.choices].index(points)
                await row.locator("input[name=tier]").nth(index).check()
            else:
                await row.get_by_label("Điểm").fill(str(points).replace(".", ","))
            if n == 0:
                await row.get_by_label("Nhận xét").fill("Kế hoạch chưa ghi số, ngày ban hành.")
                await row.get_by_label("Nhận xét").press("Tab")
                await page.keyboard.press("Enter")  # the save button, by the keyboard
            else:
                await row.get_by_role("button").click()
            await expect(page.get_by_role("status")).to_have_text(f"Đã lưu mục {item.id}.")
        await page.get_by_label("Xếp loại").select_option("tot")
        await page.get_by_role("button", name="Xác nhận xếp loại").click()
        await expect(page.get_by_role("status")).to_contain_text("Đã xếp loại")
        await shoot(page, shots / "3-da-xep-loai.png")

        await page.goto(f"{desk.url}/desk/units/{back}")
        await page.get_by_label("Trả lại đơn vị").fill("Bổ sung minh chứng tiêu chí 4.")
        await page.get_by_role("button", name="Trả lại đơn vị").click()
        await expect(page.get_by_role("status")).to_contain_text("Đã trả lại đơn vị")
        # the same session on a phone: readable, nothing wider than the screen
        small = await browser.new_context(viewport=PHONE, is_mobile=True, locale="vi-VN")
        await small.add_cookies(await context.cookies())
        await context.close()
        on_phone = await small.new_page()
        for url in (f"{desk.url}/desk", f"{desk.url}/desk/units/{aid}"):
            await on_phone.goto(url)
            width = await on_phone.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (url, width)
        await shoot(on_phone, shots / "4-dien-thoai.png")
        await small.close()

        async with desk.app.sessions() as s:
            scores = dict(
                (await s.execute(select(Appraisal.item_id, Appraisal.score).where(
                    Appraisal.assessment_id == aid))).all()
            )  # fmt: skip
            a, b = await s.get(Assessment, aid), await s.get(Assessment, back)
        assert scores == {i.id: Decimal(str(SCORES[i.id])) for i in rubric().items()}
        assert a is not None and (a.status, a.final_rating) == (Status.APPRAISED, "tot")
        assert b is not None and b.status == Status.DRAFT
        await fake.until(lambda: any(m.document for m in fake.chat(3101)), what="the report")
        assert "đã được thẩm định: xếp loại Tốt" in officer.texts()
        await fake.until(lambda: "Bổ sung minh chứng" in other.texts(), what="the return told")
