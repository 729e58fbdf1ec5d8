"""The real python-telegram-bot application against the tests' fake Bot API server."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from docx import Document
from sqlalchemy import func, select

from bot.app import App, open_app
from bot.demo import ensure_demo
from bot.settings import Settings
from bot.telegram import callback
from bot.telegram.application import COMMANDS, telegram_running
from bot.web import web_server
from storage import people
from storage.models import Answer, Assessment, Evidence, Person, Role, Status, Unit
from tests.fake_telegram import FakeTelegram, FakeUser
from tests.support import rubric, score_key
from tests.test_conversations_engine import SCORES, TOTAL

pytestmark = pytest.mark.slow
PDF = b"%PDF-1.4\n% ke hoach\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + os.urandom(2000)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
def settings(db_url: str, tmp_path: Path, fake: FakeTelegram) -> Settings:
    return Settings(
        _env_file=None,
        database_url=db_url,
        evidence_dir=tmp_path / "evidence",
        output_dir=tmp_path / "out",
        telegram_bot_token=fake.token,
        telegram_api_base_url=fake.base_url,
        telegram_api_file_url=fake.base_file_url,
        telegram_bot_username="danvan_test_bot",
    )


@asynccontextmanager
async def running(settings: Settings, webhook: bool = False) -> AsyncIterator[App]:
    async with open_app(settings) as app:
        async with app.sessions() as s, s.begin():
            await ensure_demo(s)
        async with telegram_running(app, webhook=webhook, poll_timeout=1):
            yield app


async def invite(app: App) -> str:
    async with app.sessions() as s, s.begin():
        unit = await s.scalar(select(Unit).where(Unit.code == "VG-CUUCAO"))
        assert unit is not None
        return (await people.create_invite(s, Role.OFFICER, unit.id)).token


ANSWERS = ("sendMessage", "sendDocument", "answerCallbackQuery")


class Phone:
    """One officer's Telegram app: reads the bot's last question and taps its buttons.

    Each action waits for the bot's answer and then for quiet, so the next look at the chat
    sees everything the bot said in reply.
    """

    def __init__(self, fake: FakeTelegram, user: FakeUser) -> None:
        self.fake, self.user = fake, user

    @property
    def question(self):  # type: ignore[no-untyped-def]
        return next(m for m in reversed(self.fake.chat(self.user.id)) if m.reply_markup)

    def texts(self, since: int = 0) -> str:
        return "\n".join(m.text or "" for m in self.fake.chat(self.user.id)[since:])

    async def answered(self, action: Awaitable[object]) -> None:
        mark = self.fake.mark()
        await action
        await self.fake.wait_for(lambda c: c.method in ANSWERS, after=mark)
        await self.fake.wait_idle(quiet=0.15)

    async def tap(self, label: str) -> None:
        question = self.question
        data = next(d for t, d in self.fake.buttons(question) if t == label)
        await self.answered(self.fake.press(self.user, question.message_id, data))

    async def tap_key(self, key: str) -> None:
        """Press the button with this key; a half point has no button and is typed."""
        question = self.question
        data = next((d for _, d in self.fake.buttons(question) if d.endswith(f"|{key}")), None)
        if data is None:
            await self.type(key)
            return
        await self.answered(self.fake.press(self.user, question.message_id, data))

    async def type(self, text: str) -> None:
        await self.answered(self.fake.send_text(self.user, text))

    async def press_raw(self, message_id: int, data: str) -> None:
        await self.answered(self.fake.press(self.user, message_id, data, strict=False))

    async def send(self, action: Awaitable[object]) -> None:
        await self.answered(action)

    def target(self) -> str:
        data = self.fake.buttons(self.question)[0][1]
        choice = callback.decode(data)
        assert choice is not None
        return choice.target or ""


async def answer_all(phone: Phone, evidence: bool = True) -> None:
    r = rubric()
    for criterion in r.criteria:
        for item in criterion.items:
            assert phone.target() == f"score:{item.id}", phone.texts()[-500:]
            await phone.tap_key(score_key(r, item.id, SCORES[item.id]))
            await phone.type(f"Kết quả {item.id}")
            if evidence and item.id == "I.1":
                fake = phone.fake
                await phone.send(fake.send_photo(phone.user, JPEG, caption="Hội nghị quán triệt"))
                await phone.send(
                    fake.send_document(
                        phone.user, PDF, "ke-hoach.pdf", "application/pdf", caption="Kế hoạch"
                    )
                )
                for n in range(2):
                    await phone.send(
                        fake.send_photo(phone.user, JPEG + bytes([n]), media_group_id="album-1")
                    )
            await phone.tap("✓ Xong ▶")
        await phone.type(f"Làm tốt {criterion.id}")
        await phone.type(f"Hạn chế {criterion.id}")


async def test_a_whole_conversation_by_buttons(settings: Settings, fake: FakeTelegram) -> None:
    async with running(settings) as app:
        assert [c["command"] for c in fake.calls_to("setMyCommands")[-1].params["commands"]] == [
            c.command for c in COMMANDS
        ]
        phone = Phone(fake, fake.user(1001, "Nguyễn Văn An"))
        await phone.type(f"/start {await invite(app)}")
        assert "Chào mừng đồng chí" in phone.texts()
        await phone.tap("▶ Tiếp tục")
        first = phone.question
        await answer_all(phone)
        answered = next(m for m in fake.chat(1001) if m.message_id == first.message_id)
        assert answered.reply_markup is None and answered.text.endswith("➡️ 2")
        assert "Đã nhận tệp «ke-hoach.pdf» cho mục I.1" in phone.texts()
        assert phone.target() == "review"

        await phone.tap("✏️ Sửa một mục")
        await phone.tap("Tiêu chí 3")
        await phone.tap("III.4")
        await phone.tap_key("2")  # was 1
        await phone.tap("Giữ nguyên ▶")
        await phone.tap("✓ Xong ▶")
        assert phone.target() == "review"
        await phone.tap("📤 Nộp báo cáo")
        await phone.tap("Tốt (gợi ý)")
        await phone.tap("✅ Xác nhận nộp")

        assert fake.calls_to("sendChatAction")
        (report,) = [m.document for m in fake.chat(1001) if m.document]
        doc = Document(io.BytesIO(report.data))
        table = next(t for t in doc.tables if len(t.columns) == 6)
        total = next(r for r in table.rows if r.cells[1].text.strip() == "Tổng điểm")
        assert Decimal(total.cells[3].text.replace(",", ".")) == TOTAL + 1
        async with app.sessions() as s:
            assessment = await s.scalar(select(Assessment))
            assert assessment is not None and assessment.status == Status.SUBMITTED
            files = list(await s.scalars(select(Evidence).where(Evidence.item_id == "I.1")))
        assert len(files) == 4 and {f.kind for f in files} == {"photo", "document"}
        assert (Path(settings.evidence_dir) / files[0].storage_key).exists()
        assert any(f.caption == "Kế hoạch" for f in files)

        await phone.type("/baocao")
        assert len([m for m in fake.chat(1001) if m.document]) == 2


async def test_a_restart_continues_at_the_same_question(
    settings: Settings, fake: FakeTelegram
) -> None:
    phone = Phone(fake, fake.user(1002))
    async with running(settings) as app:
        await phone.type(f"/start {await invite(app)}")
        await phone.tap("▶ Tiếp tục")
        await phone.tap_key("2")
        await phone.type("Đã ban hành kế hoạch")
        await phone.tap("✓ Xong ▶")
    assert phone.target() == "score:I.2"
    async with running(settings) as app:
        await phone.tap_key("1")
        assert "I.2: 1/2 điểm" in phone.texts()
        async with app.sessions() as s:
            scores = dict((await s.execute(select(Answer.item_id, Answer.score))).all())
        assert scores == {"I.1": Decimal(2), "I.2": Decimal(1)}


async def test_bad_input_changes_nothing(settings: Settings, fake: FakeTelegram) -> None:
    async with running(settings) as app:
        phone = Phone(fake, fake.user(1003))
        await phone.type(f"/start {await invite(app)}")
        await phone.type("xin chào")  # text where a button is expected
        assert "chọn một trong các lựa chọn" in phone.texts()
        await phone.tap("▶ Tiếp tục")
        aid = callback.decode(fake.buttons(phone.question)[0][1]).assessment_id  # type: ignore[union-attr]

        async def snapshot() -> tuple[object, ...]:
            async with app.sessions() as s:
                answers = (await s.execute(select(Answer.item_id, Answer.score))).all()
                return (await s.scalar(select(Assessment.cursor)), tuple(answers))

        before = await snapshot()
        question = phone.question
        for data in (
            f"1|{aid + 1}|score:I.1|2",  # another unit's assessment
            f"1|{aid}|score:IX.9|1",  # an item that does not exist
            f"1|{aid}|score:I.1|9",  # above the maximum
            os.urandom(32).hex(),  # 64 random bytes
        ):
            await phone.press_raw(question.message_id, data)
            assert fake.callback_answers[-1].get("show_alert"), data
        mark = fake.mark()
        update = await fake.send_text(phone.user, "abc")  # not a score
        await fake.wait_for("sendMessage", after=mark)
        await fake.wait_idle()
        sent = len(fake.chat(1003))
        await fake.deliver(update)  # the same update again
        await fake.wait_idle(quiet=1.0)
        assert len(fake.chat(1003)) == sent
        big = b"%PDF" + b"0" * 100
        await phone.send(
            fake.send_document(
                phone.user, big, "lon.pdf", "application/pdf", declared_size=25 * 1024 * 1024
            )
        )
        exe = b"MZ\x90\x00" + os.urandom(500)
        await phone.send(fake.send_document(phone.user, exe, "ke-hoach.pdf", "application/pdf"))
        texts = phone.texts()
        assert "vượt mức tối đa 20 MB" in texts
        assert "«ke-hoach.pdf» không thuộc loại được nhận" in texts
        assert await snapshot() == before
        async with app.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(Evidence)) == 0


async def test_a_stranger_gets_an_explanation_only(settings: Settings, fake: FakeTelegram) -> None:
    async with running(settings) as app:
        async with app.sessions() as s:
            persons = await s.scalar(select(func.count()).select_from(Person))
        stranger = Phone(fake, fake.user(666))
        await stranger.type("/start")
        await stranger.type("5")
        assert "chưa được cấp quyền" in stranger.texts()
        assert all(m.reply_markup is None for m in fake.chat(666))
        async with app.sessions() as s:
            assert await s.scalar(select(func.count()).select_from(Person)) == persons


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode(settings: Settings, fake: FakeTelegram) -> None:
    port = _free_port()
    settings.public_base_url = f"http://127.0.0.1:{port}"
    settings.web_port = port
    async with open_app(settings) as app:
        async with app.sessions() as s, s.begin():
            await ensure_demo(s)
        async with telegram_running(app, webhook=True) as application:
            server = web_server(app, application)
            task = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.05)
            try:
                (hook,) = fake.calls_to("setWebhook")
                assert hook.params["url"] == f"{settings.public_base_url}/telegram/webhook"
                phone = Phone(fake, fake.user(1004))
                await phone.type(f"/start {await invite(app)}")
                assert phone.target() == "menu"
                async with httpx.AsyncClient() as client:
                    forged = await client.post(
                        f"{settings.public_base_url}/telegram/webhook",
                        json={"update_id": 1, "message": {}},
                        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                    )
                assert forged.status_code == 403
            finally:
                server.should_exit = True
                await task


async def test_one_failing_update_never_stops_the_bot(
    settings: Settings, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(settings) as app:
        phone = Phone(fake, fake.user(1005))
        await phone.type(f"/start {await invite(app)}")
        real = app.engine.handle
        calls = 0

        async def flaky(*args: object, **kwargs: object) -> object:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise RuntimeError("database went away")
            return await real(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(app.engine, "handle", flaky)
        await phone.type("/tiendo")
        assert "hệ thống gặp lỗi" in phone.texts()
        await phone.type("/tiendo")
        assert "Đã chấm 0/28" in phone.texts().rsplit("hệ thống gặp lỗi", 1)[1]


async def test_danvan_run_starts_polling(settings: Settings, fake: FakeTelegram) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(
        DATABASE_URL=settings.database_url,
        EVIDENCE_DIR=str(settings.evidence_dir),
        OUTPUT_DIR=str(settings.output_dir),
        TELEGRAM_BOT_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        TELEGRAM_API_FILE_URL=fake.base_file_url,
        PYTHONPATH=str(Path(__file__).resolve().parents[1]),
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=settings.output_dir.parent,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await fake.wait_for("getUpdates", timeout=30)
        assert fake.calls_to("setMyCommands")
        phone = Phone(fake, fake.user(1006))
        await phone.type("/start")
        assert "chưa được cấp quyền" in phone.texts()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, stderr.decode()[-2000:]
