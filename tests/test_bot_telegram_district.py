"""A real district on Telegram: the 26 sample units, two officers a unit, the appraiser."""

from __future__ import annotations

from bot.settings import Settings
from storage.models import Role
from tests.district_support import invite, sample_district
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import Phone, running


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
        assert not [c for c in fake.calls if not c.ok and c.method != "getUpdates"]
