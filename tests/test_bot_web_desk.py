"""The appraiser's desk over HTTP, beside the bot on the fake Bot API: the sample district's
26 units, signing in from the chat, a whole unit appraised item by item, another returned, the
officers told in their chats; bad input, stale forms, strangers and other districts."""

from __future__ import annotations

import asyncio
import re
import time
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from bot.web.desk.signin import COOKIE
from bot.web.links import Links
from rubric.model import Item
from storage.admin.persons import remove_person
from storage.models import (
    Appraisal,
    Assessment,
    AuditEvent,
    DeskSession,
    Evidence,
    Person,
    Role,
    Status,
)
from tests import evidence_samples
from tests.desk_support import (
    LINK_SECRET,
    Desk,
    DeskClient,
    add_evidence,
    desk_running,
    other_district,
)
from tests.district_support import invite
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import FakeZalo
from tests.support import rubric
from tests.test_bot_telegram_appraiser import unit_button
from tests.test_conversations_engine import SCORES
from tests.zalo_support import ZaloPhone, zalo_bot

pytestmark = pytest.mark.slow  # end to end through the channel and the web app
JPEG = evidence_samples.jpeg(1)

VERSION = re.compile(
    r'action="/desk/units/\d+/items/([^"]+)">\s*<input type="hidden" name="version" value="([^"]+)"'
)


def versions(html: str) -> dict[str, str]:
    return dict(VERSION.findall(html))


async def given(desk: Desk, aid: int) -> dict[str, Decimal | None]:
    async with desk.app.sessions() as s:
        rows = await s.execute(
            select(Appraisal.item_id, Appraisal.score).where(Appraisal.assessment_id == aid)
        )
        return dict(rows.all())


async def save(client: DeskClient, aid: int, item: str, version: str, **form: str) -> str:
    """Post one item's form; the page it leads to."""
    answer = await client.post_form(f"/desk/units/{aid}/items/{item}", {"version": version, **form})
    assert answer.status_code == 303, answer.text
    page = await client.get(answer.headers["location"])
    assert page.status_code == 200
    return page.text


def form(item: Item, n: int) -> dict[str, str]:
    """The item's form with its n-th allowed score: a tier's button, else the points typed."""
    if item.is_tiered:
        return {"tier": str(n + 1)}
    return {"score": str(n)}


async def test_sign_in_appraise_a_unit_return_another(
    settings: Settings, fake: FakeTelegram, tmp_path: Path
) -> None:
    async with desk_running(settings, tmp_path, fake) as desk:
        boss = await desk.appraiser(3001)
        first = await desk.officer(3101, "VG-CUUCAO")
        second = await desk.officer(3102, "VG-CUUCAO")  # two officers of one unit
        other = await desk.officer(3103, "VG-LIENNGHIA")
        aid = await desk.submitted("VG-CUUCAO")
        back = await desk.submitted("VG-LIENNGHIA")

        link = await desk.link(boss)
        async with DeskClient(base_url=desk.url) as browser:
            signin = await browser.sign_in(link)
            assert signin.headers["location"] == "/desk" and browser.form_token
            cookie = signin.headers["set-cookie"]
            assert "HttpOnly" in cookie and "Path=/desk" in cookie and "SameSite=lax" in cookie
            overview = await browser.get("/desk")
            assert overview.status_code == 200
            assert overview.text.count('href="/desk/units/') == 26  # every unit of the district
            assert "Đã nộp, chờ thẩm định (2)" in overview.text
            async with httpx.AsyncClient(base_url=desk.url) as elsewhere:  # the link once only
                again = await elsewhere.get(link)
            assert again.status_code == 410 and "đã được dùng" in again.text

            page = (await browser.get(f"/desk/units/{aid}")).text
            assert "UBND xã Cửu Cao" in page and "Kết quả I.1" in page
            forms = versions(page)
            assert list(forms) == [i.id for i in rubric().items()]

            # bad input: the field says why, nothing is saved
            two_points = next(i for i in rubric().items() if not i.is_tiered)
            shown = await save(browser, aid, two_points.id, forms[two_points.id], score="99")
            assert "«99» chưa được lưu" in shown
            tiered = next(i for i in rubric().items() if i.is_tiered)
            shown = await save(browser, aid, tiered.id, forms[tiered.id], tier="9")
            assert "chọn một trong các mức điểm" in shown
            assert await given(desk, aid) == {}

            # every item: the unit's own score, one typed with a comma, a comment on the first
            for n, item in enumerate(rubric().items()):
                points = Decimal(str(SCORES[item.id]))
                if item.is_tiered:
                    form = {"tier": str(1 + [c.points for c in item.choices].index(points))}
                else:
                    form = {"score": str(points).replace(".", ",")}
                if n == 0:
                    form["comment"] = "Kế hoạch chưa ghi số, ngày ban hành."
                page = await save(browser, aid, item.id, forms[item.id], **form)
                assert f"Đã lưu mục {item.id}." in page
            scores = await given(desk, aid)
            assert scores == {i.id: Decimal(str(SCORES[i.id])) for i in rubric().items()}
            await boss.type("/thamdinh")  # the chat shows what the desk saved
            await boss.tap(unit_button(boss, "UBND xã Cửu Cao"))
            assert "VIII. Tiêu chí 8: tự chấm 8/10 · thẩm định 8" in boss.question.text

            rated = await browser.post_form(f"/desk/units/{aid}/rating", {"band": "tot"})
            assert rated.status_code == 303
            assert "Đã xếp loại" in (await browser.get(rated.headers["location"])).text
            report = await browser.get(f"/desk/units/{aid}/documents/unit")
            assert report.status_code == 200 and report.content.startswith(b"PK")
            assert (
                "UBND%20x%C3%A3%20C%E1%BB%ADu%20Cao.docx" in report.headers["content-disposition"]
            )
            bundle = await browser.get(f"/desk/units/{aid}/documents/bundle")
            assert bundle.status_code == 200 and bundle.content.startswith(b"PK")

            returned = await browser.post_form(
                f"/desk/units/{back}/return", {"reason": "Bổ sung minh chứng tiêu chí 4."}
            )
            assert returned.status_code == 303

        async with desk.app.sessions() as s:
            a = await s.get(Assessment, aid)
            b = await s.get(Assessment, back)
            boss_id = await s.scalar(select(Person.id).where(Person.full_name == "Phòng Nội vụ"))
            events = (
                await s.execute(
                    select(AuditEvent.action, func.count())
                    .where(AuditEvent.assessment_id == aid, AuditEvent.person_id == boss_id)
                    .group_by(AuditEvent.action)
                )
            ).all()
        assert a is not None and b is not None
        assert (a.status, a.final_rating, a.appraised_by_id) == (Status.APPRAISED, "tot", boss_id)
        assert (b.status, b.returned_reason) == (Status.DRAFT, "Bổ sung minh chứng tiêu chí 4.")
        assert dict(events) == {
            "appraisal.score": 28,  # in the appraiser's name, by the database's triggers
            "appraisal.comment": 1,
            "appraisal.rating": 1,
            "assessment.appraise": 1,
        }
        # the officers were told in their chats, both of the unit, with the report
        await fake.until(lambda: any(m.document for m in fake.chat(3102)), what="the report")
        for phone in (first, second):
            assert "đã được thẩm định: xếp loại Tốt" in phone.texts()
            assert any(m.document for m in fake.chat(phone.user.id))
        await fake.until(lambda: "Bổ sung minh chứng" in other.texts(), what="the return told")


async def test_two_appraisers_on_one_item_never_overwrite_silently(
    settings: Settings, fake: FakeTelegram, tmp_path: Path
) -> None:
    async with desk_running(settings, tmp_path, fake) as desk:
        aid = await desk.submitted("VG-CUUCAO")
        item = rubric().item("I.1")
        assert item is not None and not item.is_tiered and item.max_points == 2
        allowed = [c.points for c in item.choices] or [Decimal(0), Decimal(1)]
        first = await desk.appraiser(3001, name="Thẩm định Một")
        second = await desk.appraiser(3002, name="Thẩm định Hai")
        async with desk.signed_in(first) as one, desk.signed_in(second) as two:
            seen_by_one = versions((await one.get(f"/desk/units/{aid}")).text)
            seen_by_two = versions((await two.get(f"/desk/units/{aid}")).text)
            await save(two, aid, "I.1", seen_by_two["I.1"], **form(item, 0))  # the later save
            page = await save(one, aid, "I.1", seen_by_one["I.1"], **form(item, 1))
            assert "vừa được cập nhật trên một máy khác" in page  # and the first is told
            assert "Thẩm định Hai" in page  # whose score it is now
            assert await given(desk, aid) == {"I.1": allowed[0]}
            fresh = versions(page)["I.1"]
            await save(one, aid, "I.1", fresh, **form(item, 1))  # looked again: saved
            # both at the same moment, from the same version, each a change: one is saved, the
            # other is told (I.1 takes 0, 1 or 2 points; it has 1 now)
            seen = versions((await one.get(f"/desk/units/{aid}")).text)["I.1"]
            pages = await asyncio.gather(
                save(one, aid, "I.1", seen, **form(item, 0)),
                save(two, aid, "I.1", seen, **form(item, 2)),
            )
            assert sorted("Đã lưu mục I.1." in p for p in pages) == [False, True]
            assert any("vừa được cập nhật trên một máy khác" in p for p in pages)
            latest = versions((await one.get(f"/desk/units/{aid}")).text)["I.1"]
            await save(one, aid, "I.1", latest, **form(item, 1))
        expected = allowed[1]
        assert await given(desk, aid) == {"I.1": expected}


async def test_strangers_other_districts_and_ended_sessions_see_nothing(
    settings: Settings, fake: FakeTelegram, tmp_path: Path
) -> None:
    async with desk_running(settings, tmp_path, fake) as desk:
        aid = await desk.submitted("VG-CUUCAO")
        await add_evidence(desk.app, aid, "I.1", "ảnh hội nghị.jpg", JPEG, "image/jpeg", "photo")
        async with desk.app.sessions() as s:
            photo = await s.scalar(select(Evidence.id).where(Evidence.assessment_id == aid))
        mine_unit = desk.district.assessments["VG-LIENNGHIA"]
        theirs = await other_district(desk.app)
        elsewhere = await desk.appraiser(3005, code="KC", name="Nội vụ Khoái Châu")
        urls = [
            ("GET", f"/desk/units/{aid}", {}),
            ("POST", f"/desk/units/{aid}/items/I.1", {"version": "-", "tier": "1"}),
            ("POST", f"/desk/units/{aid}/return", {"reason": "Không phải của tôi"}),
            ("POST", f"/desk/units/{aid}/rating", {"band": "tot"}),
            ("GET", f"/desk/files/{photo}", {}),
            ("GET", f"/desk/units/{aid}/documents/unit", {}),
            ("GET", f"/desk/units/{aid}/documents/bundle", {}),
        ]
        async with desk.signed_in(elsewhere) as foreign:
            page = await foreign.get("/desk")
            assert "UBND xã Tân Dân" in page.text and "UBND xã Cửu Cao" not in page.text
            assert (await foreign.get(f"/desk/units/{theirs}")).status_code == 200
            for method, url, form in urls:
                if method == "POST":
                    answer = await foreign.post_form(url, form)
                else:
                    answer = await foreign.get(url)
                assert answer.status_code == 404, (method, url)
            forged = await foreign.post(f"/desk/units/{theirs}/return", data={"reason": "x"})
            assert forged.status_code == 403 and "Biểu mẫu không hợp lệ" in forged.text
            assert (await foreign.get(f"/desk/units/{mine_unit}")).status_code == 404
        async with httpx.AsyncClient(base_url=desk.url) as stranger:
            for method, url, form in [*urls, ("GET", "/desk", {}), ("POST", "/desk/signout", {})]:
                answer = await stranger.request(method, url, data=form or None)
                assert answer.status_code == 403, (method, url)
            stranger.cookies.set(COOKIE, "forged-token", domain="127.0.0.1", path="/desk")
            assert (await stranger.get("/desk")).status_code == 403
            forged = await stranger.get("/desk/signin/not-a-real-link")
            assert forged.status_code == 403 and "/ban" in forged.text
            links = desk.app.links
            assert links is not None
            old = Links(LINK_SECRET, links.base_url, links.roots, links.ttl,
                        clock=lambda: time.time() - 16 * 60)  # fmt: skip
            expired = await stranger.get(old.desk_url(1).removeprefix(desk.url))
            assert expired.status_code == 410 and "hết hạn" in expired.text
        assert await given(desk, aid) == {}

        boss = await desk.appraiser(3001)
        async with desk.signed_in(boss) as browser:
            assert (await browser.get("/desk")).status_code == 200
            shown = await browser.get(f"/desk/files/{photo}")  # the unit's own appraiser
            assert shown.status_code == 200 and shown.content == JPEG
            assert shown.headers["content-disposition"].startswith("inline;")
            ended = await browser.post_form("/desk/signout", {})
            assert "Đã đăng xuất" in ended.text
            browser.cookies.clear()
        async with desk.signed_in(boss) as browser:
            token = browser.cookies[COOKIE]
            async with desk.app.sessions() as s, s.begin():
                person = await s.scalar(select(Person.id).where(Person.full_name == "Phòng Nội vụ"))
                await remove_person(s, person)  # danvan person remove
            assert (await browser.get("/desk")).status_code == 403
        async with desk.app.sessions() as s:
            open_ = await s.scalar(select(func.count()).where(DeskSession.ended_at.is_(None)))
        assert token and open_ == 1  # only the other district's appraiser's


async def test_the_sign_in_link_on_zalo(zalo_settings: Settings, fake_zalo: FakeZalo) -> None:
    async with zalo_bot(zalo_settings) as app:
        phone = ZaloPhone(fake_zalo, fake_zalo.user("z-3001", "Phòng Nội vụ"))
        await phone.type(await invite(app, "VG", Role.APPRAISER))
        await phone.type("/ban")
        assert "Bàn thẩm định" in phone.texts(phone.count() - 2)
        link = phone.link("🔑 Đường dẫn đăng nhập")
        async with httpx.AsyncClient() as browser:
            assert (await browser.get(link)).status_code == 303
            page = await browser.get(f"{zalo_settings.public_base_url}/desk")
        assert page.status_code == 200 and "UBND xã Cửu Cao" in page.text


async def test_the_province_reads_its_districts_units(
    settings: Settings, fake: FakeTelegram, tmp_path: Path
) -> None:
    async with desk_running(settings, tmp_path, fake) as desk:
        aid = await desk.submitted("VG-CUUCAO")
        province = await desk.appraiser(3009, code="HY", name="Sở Nội vụ Hưng Yên")
        async with desk.signed_in(province) as browser:
            page = await browser.get("/desk")
            assert page.status_code == 200
            assert "UBND huyện Văn Giang" in page.text and "chỉ xem" in page.text
            assert page.text.count('href="/desk/units/') == 26
            unit = await browser.get(f"/desk/units/{aid}")
            assert unit.status_code == 200 and "Kết quả I.1" in unit.text
            assert "Chỉ xem: đơn vị do UBND huyện Văn Giang thẩm định." in unit.text
            assert '<form method="post" action="/desk/units/' not in unit.text
            report = await browser.get(f"/desk/units/{aid}/documents/unit")
            assert report.status_code == 200
            for url, form in (
                (f"/desk/units/{aid}/items/I.1", {"version": "-", "score": "1"}),
                (f"/desk/units/{aid}/return", {"reason": "Tỉnh trả lại"}),
                (f"/desk/units/{aid}/rating", {"band": "tot"}),
            ):
                assert (await browser.post_form(url, form)).status_code == 404, url
        assert await given(desk, aid) == {}
