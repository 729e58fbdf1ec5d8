"""The Zalo channel's edges: polling, both webhook body shapes, forged and repeated updates,
long messages, what Zalo cannot carry, and one officer moving between Telegram and Zalo."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import open_app, rubric_loader
from bot.channel.uploads import refused
from bot.demo import ensure_demo
from bot.reminders import Scheduler, by_channel
from bot.settings import Settings
from bot.telegram.application import telegram_running
from bot.zalo.client import MAX_TEXT
from bot.zalo.running import zalo_running
from conversations.events import Reply
from storage import filetypes
from storage.models import Answer, AuditEvent, Evidence, Identity, InboxUpdate
from tests import evidence_samples
from tests.fake_telegram import FakeTelegram
from tests.fake_zalo import FakeZalo
from tests.support import settle
from tests.telegram_support import Phone, invite
from tests.test_bot_reminders import Clock
from tests.zalo_support import ZaloPhone, get, zalo_bot

pytestmark = pytest.mark.slow


async def test_polling_takes_one_update_per_call(
    zalo_settings: Settings, fake_zalo: FakeZalo
) -> None:
    zalo_settings.public_base_url = None  # no web app: polling, and no links to offer
    async with zalo_bot(zalo_settings, webhook=False) as app:
        phone = ZaloPhone(fake_zalo, fake_zalo.user("z-2001"))
        await phone.type(await invite(app))  # straight to I.1
        await phone.type("2.")  # I.1, typed as a list number; on to I.2
        assert "📎 Đồng chí gửi ảnh chụp tài liệu" in phone.last  # no upload page here
        await phone.type("Đã ban hành kế hoạch")  # I.1's results
        mark = fake_zalo.mark()
        await fake_zalo.wait_for(lambda c: c.method == "getUpdates" and c.status == 408, after=mark)
        polls = fake_zalo.calls_to("getUpdates")
        assert len([c for c in polls if c.status == 200]) == 3  # one update per call
        async with app.sessions() as s:
            answer = await s.scalar(select(Answer).where(Answer.item_id == "I.1"))
            assert answer is not None and answer.score == 2
            assert answer.results_text == "Đã ban hành kế hoạch"


@pytest.mark.parametrize("wrap", [False, True], ids=["bare", "wrapped"])
async def test_webhook_accepts_both_body_shapes_and_refuses_forgeries(
    zalo_settings: Settings, wrap: bool
) -> None:
    async with FakeZalo(wrap_webhook=wrap) as fake:
        zalo_settings.zalo_api_base_url = fake.base_url
        zalo_settings.zalo_bot_token = fake.token
        async with zalo_bot(zalo_settings, fake=fake) as app:
            (hook,) = fake.calls_to("setWebhook")
            url = f"{zalo_settings.public_base_url}/zalo/webhook"
            assert hook.params["url"] == url
            phone = ZaloPhone(fake, fake.user("z-3001"))
            await phone.type(await invite(app))
            assert "Chào mừng đồng chí" in phone.texts()
            update = await fake.answer_to(fake.send_text(phone.user, "1"))  # I.1: 1 point
            sent, question = phone.count(), phone.question
            forged = {**update, "message": {**update["message"], "message_id": "forged-1"}}
            for secret in ("wrong-secret-123", ""):
                status = await fake.post_webhook(url, forged, secret, wrap=wrap)
                assert status in (401, 403)
            status = await fake.post_webhook(url, update, app.webhook_secret, wrap=wrap)
            assert status == 200  # the same update again: accepted, changes nothing and
            again = fake.messages(phone.user.id)[sent:]  # shows the question (I.2) again
            asked = again[0].partition("📎 Tệp")[0]  # (its upload link signed anew)
            assert all("📎 Tệp" in m for m in again[1:])  # that link, when it is apart
            assert asked.startswith("Câu 2/28") and asked in question
            async with httpx.AsyncClient() as client:
                garbage = await client.post(
                    url, content=b"not json", headers={"X-Bot-Api-Secret-Token": app.webhook_secret}
                )
            assert garbage.status_code == 400
            await settle()  # the replay was answered before its 200: nothing more may follow
            assert phone.count() == sent + len(again)
            async with app.sessions() as s:  # the score once, not again for the replay
                assert await s.scalar(select(func.count()).select_from(AuditEvent)) == 1


async def test_long_messages_are_split_on_lines(
    zalo_settings: Settings, fake_zalo: FakeZalo
) -> None:
    async with zalo_bot(zalo_settings) as app:
        user = fake_zalo.user("z-4001")
        lines = [f"Dòng {n:03d}: nội dung báo cáo kết quả thực hiện." for n in range(80)]
        text = "\n".join(lines)
        assert len(text) > 3000
        await app.deliver("zalo", user.id, [Reply(text)])
        parts = fake_zalo.messages(user.id)
        assert len(parts) == 2 and all(len(p) <= MAX_TEXT for p in parts)
        assert "\n".join(parts).splitlines() == lines  # cut between lines, nothing lost


async def test_what_zalo_cannot_carry(zalo_settings: Settings, fake_zalo: FakeZalo) -> None:
    async with zalo_bot(zalo_settings) as app:
        phone = ZaloPhone(fake_zalo, fake_zalo.user("z-5001"))
        await phone.type(await invite(app))
        await phone.answered(fake_zalo.send_sticker(phone.user))
        assert "chỉ hiểu tin nhắn chữ và ảnh" in phone.texts(phone.count() - 2)
        for answer in ("2", "Kết quả"):  # I.1, and its results typed on I.2
            await phone.type(answer)
        before = phone.count()
        await phone.answered(fake_zalo.send_unsupported(phone.user))  # a PDF sent in Zalo
        said = phone.texts(before)
        assert "Zalo chưa cho phép bot nhận loại tin này" in said
        page = await get(phone.link("📎 Tệp PDF, Word, Excel cho mục I.1"))  # the item just scored
        assert page.status_code == 200 and "I.1" in page.text
        await phone.answered(fake_zalo.send_image(phone.user, b"GIF89a" + b"0" * 50))
        assert "không thuộc loại được nhận" in phone.last
        await phone.type("/baocao")  # the draft report, as a link
        response = await get(phone.link("⬇️ Tải «"))
        assert response.status_code == 200 and response.content[:2] == b"PK"
        tampered = phone.link("⬇️ Tải «")[:-3] + "abc"
        assert (await get(tampered)).status_code == 403


async def test_one_officer_on_telegram_then_zalo(
    zalo_settings: Settings, fake_zalo: FakeZalo, fake: FakeTelegram
) -> None:
    zalo_settings.telegram_bot_token = fake.token
    zalo_settings.telegram_api_base_url = fake.base_url
    zalo_settings.telegram_api_file_url = fake.base_file_url
    async with zalo_bot(zalo_settings) as app:
        fake.watch(app.journal)  # Telegram's phone waits for the bot's word too
        async with telegram_running(app, poll_timeout=1):
            telegram = Phone(fake, fake.user(6001, "Lê Thị Hai Kênh"))
            await telegram.type(f"/start {await invite(app)}")  # straight to I.1
            await telegram.tap_key("2")
            await telegram.type("/lienket")
            code = telegram.texts().split("Mã liên kết tài khoản: ")[1][:9]

            zalo = ZaloPhone(fake_zalo, fake_zalo.user("z-6001", "Lê Thị Hai Kênh"))
            await zalo.type(code)
            assert "Đã liên kết tài khoản Zalo" in zalo.texts()
            await zalo.type("/tieptuc")
            assert "I.2." in zalo.texts(zalo.count() - 2)
            await zalo.type("1,5")
            await zalo.type("Kết quả gửi từ Zalo")  # I.2's, typed on I.3
            await telegram.type("/tieptuc")
            assert telegram.target() == "score:I.3"
        async with app.sessions() as s:
            scores = dict((await s.execute(select(Answer.item_id, Answer.score))).all())
            assert {k: float(v) for k, v in scores.items() if v is not None} == {
                "I.1": 2.0,
                "I.2": 1.5,
            }
            channels = sorted(await s.scalars(select(Identity.channel)))
            assert channels.count("zalo") == 1 and channels.count("telegram") == 1


async def test_reminders_reach_zalo_officers_once(
    zalo_settings: Settings, fake_zalo: FakeZalo
) -> None:
    zalo_settings.public_base_url = None
    async with open_app(zalo_settings) as app:
        async with app.sessions() as s, s.begin():
            await ensure_demo(s)
        fake_zalo.watch(app.journal)
        async with zalo_running(app, poll_timeout=1) as runner:
            phone = ZaloPhone(fake_zalo, fake_zalo.user("z-8001"))
            await phone.type(await invite(app))
            scheduler = Scheduler(
                app.sessions,
                rubric_loader(app.settings),
                by_channel({"zalo": runner.deliver_reminder}),
                channels=("zalo",),
                now=Clock("2022-11-08 08:05"),
            )
            sent = phone.count()
            assert (await scheduler.tick()).sent == 1
            assert (await scheduler.tick()).sent == 0  # claimed: never twice
            reminder = phone.texts(sent)
            assert "15/11/2022" in reminder and "/tieptuc" in reminder
            assert "Trả lời" not in reminder  # no numbered choice: "1" would score an item


async def test_the_webhooks_refuse_nested_and_oversized_bodies(
    zalo_settings: Settings, fake_zalo: FakeZalo
) -> None:
    async with zalo_bot(zalo_settings) as app:
        url = f"{zalo_settings.public_base_url}/zalo/webhook"
        headers = {"X-Bot-Api-Secret-Token": app.webhook_secret}
        nested = b"[" * 100_000 + b"]" * 100_000  # valid JSON, deeper than any parser goes

        async def chunked(size: int) -> AsyncIterator[bytes]:
            for _ in range(size // 65536):
                yield b" " * 65536

        async with httpx.AsyncClient() as client:
            deep = await client.post(url, content=nested, headers=headers)
            big = await client.post(url, content=b" " * (2 * 1024 * 1024), headers=headers)
            streamed = await client.post(url, content=chunked(2 * 1024 * 1024), headers=headers)
            fine = await client.get(f"{zalo_settings.public_base_url}/healthz")
        assert deep.status_code == 400
        assert big.status_code == streamed.status_code == 413
        assert fine.status_code == 200
        async with app.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(InboxUpdate)) == 0


async def test_photos_that_are_not_or_too_large_are_refused_and_not_kept(
    zalo_settings: Settings, fake_zalo: FakeZalo
) -> None:
    async with zalo_bot(zalo_settings) as app:
        phone = ZaloPhone(fake_zalo, fake_zalo.user("z-8001"))
        await phone.type(await invite(app))
        for typed in ("2", "Kết quả"):  # I.1: 2 points; its results: a photo now is I.1's
            await phone.type(typed)
        for data, reason in (
            (evidence_samples.png_of_size(20000, 20000), filetypes.TOO_MANY_PIXELS),
            (evidence_samples.jpeg(1)[:400], filetypes.DAMAGED),
            (b"GIF89a" + bytes(300), filetypes.TYPE),
        ):
            before = phone.count()
            await phone.answered(fake_zalo.send_image(phone.user, data))
            said = phone.texts(before)
            assert "chưa lưu" in said or "không thuộc loại" in said, said
            assert refused("x", reason).message.split("«")[0] in said, said
        async with app.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(Evidence)) == 0
        root = zalo_settings.evidence_dir
        assert not [p for p in root.rglob("*") if p.is_file()]
