"""A real district on Zalo (typed answers only): the 26 sample units, two officers of one
unit, the appraiser typing the number of a listed unit."""

from __future__ import annotations

from bot.app import App
from bot.settings import Settings
from storage.models import Role
from tests.district_support import invite, sample_district
from tests.fake_zalo import FakeZalo
from tests.two_officers import interleave
from tests.zalo_support import ZaloPhone, zalo_bot


async def join(app: App, fake: FakeZalo, uid: str, name: str, code: str, role: Role) -> ZaloPhone:
    phone = ZaloPhone(fake, fake.user(uid, name))
    await phone.type(await invite(app, code, role))  # the code, typed: Zalo has no deep links
    assert "Chào mừng đồng chí" in phone.texts()
    return phone


async def test_the_appraiser_types_the_number_of_a_listed_unit(
    zalo_settings: Settings, fake_zalo: FakeZalo
) -> None:
    async with zalo_bot(zalo_settings, demo=False) as app:
        await sample_district(app)
        boss = await join(app, fake_zalo, "z-boss", "Phòng Nội vụ", "VG", Role.APPRAISER)
        page = boss.last
        assert "trang 1/4" in page and "[1]   [2]   [3]" in page, page
        third = next(line for line in page.splitlines() if line.startswith("3. "))
        await boss.type("3")
        assert f"🏛 {third[3:].split(' — ')[0]}" in boss.last
        await boss.type("/donvi")
        await boss.choose("Trang sau ▶")
        assert "trang 2/4" in boss.last
        twelfth = next(line for line in boss.last.splitlines() if line.startswith("12. "))
        await boss.type("12.")
        assert f"🏛 {twelfth[4:].split(' — ')[0]}" in boss.last
        await boss.type("/donvi")
        await boss.type("12")  # not on this page: explained, nothing opens
        assert "chọn một trong các lựa chọn" in boss.texts(boss.count() - 2)


async def test_two_officers_of_one_unit_each_answer_their_own_question(
    zalo_settings: Settings, fake_zalo: FakeZalo
) -> None:
    async with zalo_bot(zalo_settings, demo=False) as app:
        district = await sample_district(app)
        a = await join(app, fake_zalo, "z-an", "Nguyễn Văn An", "VG-CUUCAO", Role.OFFICER)
        b = await join(app, fake_zalo, "z-binh", "Trần Thị Bình", "VG-CUUCAO", Role.OFFICER)
        await interleave(
            app, district.assessments["VG-CUUCAO"], a, b, ("Nguyễn Văn An", "Trần Thị Bình")
        )
