"""The real python-telegram-bot application against the tests' fake Bot API server."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import socket
import sys
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from docx import Document
from sqlalchemy import func, select
from telegram.ext import AIORateLimiter

from bot.app import open_app
from bot.demo import ensure_demo
from bot.settings import Settings
from bot.telegram import callback
from bot.telegram.application import COMMANDS, build_application, telegram_running
from bot.web.app import web_server
from storage.models import Answer, Assessment, AuditEvent, Evidence, Person, Position, Status
from tests.fake_telegram import FakeTelegram
from tests.support import report_held, serving
from tests.telegram_support import Phone, answer_all, invite, running
from tests.test_conversations_engine import TOTAL

pytestmark = pytest.mark.slow


async def test_a_whole_conversation_by_buttons(settings: Settings, fake: FakeTelegram) -> None:
    async with running(settings) as app:
        assert [c["command"] for c in fake.calls_to("setMyCommands")[-1].params["commands"]] == [
            c.command for c in COMMANDS
        ]
        phone = Phone(fake, fake.user(1001, "Nguyễn Văn An"))
        await phone.type(f"/start {await invite(app)}")
        assert "Chào mừng đồng chí" in phone.texts()
        first = phone.question  # straight to I.1
        await answer_all(phone)
        answered = next(m for m in fake.chat(1001) if m.message_id == first.message_id)
        assert answered.reply_markup is None and answered.text.endswith("➡️ 2")
        assert "Đã nhận tệp «ke-hoach.pdf» cho mục I.1" in phone.texts()
        assert phone.target() == "review"

        await phone.tap("✏️ Sửa một mục")
        await phone.tap("Tiêu chí 3")
        await phone.tap("III.4")
        await phone.tap_key("2")  # was 1; back to the review at once
        assert phone.target() == "review"
        await phone.tap("📤 Nộp báo cáo")
        await phone.tap("Tốt (gợi ý)")
        asked = phone.question
        async with report_held(app.engine) as making:
            confirm = asyncio.create_task(phone.tap("✅ Xác nhận nộp"))
            await asyncio.wait_for(making.wait(), 10)
            # while the report is made, the officer already reads that the unit submitted,
            # under the confirmation question, now closed
            assert "đã nộp báo cáo tự đánh giá năm 2022" in phone.texts(-1)
            closed = next(m for m in fake.chat(1001) if m.message_id == asked.message_id)
            assert closed.reply_markup is None and not [m for m in fake.chat(1001) if m.document]
        await confirm
        # every action carried something: the invite, 28 scores, 28 results, 4 files, 8 + 8
        # narratives, the edit (3 taps and its score), the submission (3 taps); a tap whose
        # only effect is to move on would be one more
        assert phone.actions == 1 + 28 + 28 + 4 + 16 + 4 + 3, phone.actions

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
        names = [m.document.filename for m in fake.chat(1001) if m.document]
        assert len(names) == 3  # both reports, under their titles and the unit's name
        assert names[2] == (
            "Báo cáo tóm tắt kết quả thực hiện công tác dân vận chính quyền năm 2022"
            " - UBND xã Cửu Cao.docx"
        )


async def test_a_restart_continues_at_the_same_question(
    settings: Settings, fake: FakeTelegram
) -> None:
    phone = Phone(fake, fake.user(1002))
    async with running(settings) as app:
        await phone.type(f"/start {await invite(app)}")  # straight to I.1
        await phone.tap_key("2")
    assert phone.target() == "score:I.2"
    async with running(settings) as app:
        await phone.type("Đã ban hành kế hoạch")  # still the item just scored: I.1's results
        assert "✔️ Đã lưu «Kết quả đạt được» (mục I.1)." in phone.texts()
        await phone.tap_key("1")
        assert "I.2: 1/2 điểm" in phone.texts()
        async with app.sessions() as s:
            rows = await s.execute(select(Answer.item_id, Answer.score, Answer.results_text))
            answers = {item: (score, text) for item, score, text in rows.all()}
        assert answers == {
            "I.1": (Decimal(2), "Đã ban hành kế hoạch"),
            "I.2": (Decimal(1), None),
        }


async def test_bad_input_changes_nothing(settings: Settings, fake: FakeTelegram) -> None:
    async with running(settings) as app:
        phone = Phone(fake, fake.user(1003))
        await phone.type(f"/start {await invite(app)}")  # straight to I.1
        await phone.type("xin chào")  # words where a score is expected, and no item scored
        assert "⚠️ Mục I.1 cần chấm điểm trước" in phone.texts()
        aid = callback.decode(fake.buttons(phone.question)[0][1]).assessment_id  # type: ignore[union-attr]

        async def snapshot() -> tuple[object, ...]:
            async with app.sessions() as s:
                answers = (await s.execute(select(Answer.item_id, Answer.score))).all()
                cursors = (await s.execute(select(Position.cursor))).all()
                changes = await s.scalar(select(func.count()).select_from(AuditEvent))
                return tuple(cursors), tuple(answers), changes

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
        update = await fake.answer_to(fake.send_text(phone.user, "abc"))  # not a score
        sent = len(fake.chat(1003))
        question = phone.question.text
        await phone.send(fake.deliver(update))  # the same update again: the question again
        (again,) = fake.chat(1003)[sent:]
        assert again.text and again.text in question and again.reply_markup
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
        async with (
            telegram_running(app, webhook=True) as application,
            serving(web_server(app, application)),
        ):
            (hook,) = fake.calls_to("setWebhook")
            assert hook.params["url"] == f"{settings.public_base_url}/telegram/webhook"
            phone = Phone(fake, fake.user(1004))
            await phone.type(f"/start {await invite(app)}")
            assert phone.target() == "score:I.1"
            async with httpx.AsyncClient() as client:
                forged = await client.post(
                    f"{settings.public_base_url}/telegram/webhook",
                    json={"update_id": 1, "message": {}},
                    headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                )
            assert forged.status_code == 403


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
        await fake.wait_for("deleteWebhook", timeout=30)  # polling comes next
        assert fake.calls_to("setMyCommands")
        mark = fake.mark()
        await fake.send_text(fake.user(1006), "/start")  # a stranger: one message back
        said = await fake.wait_for(
            lambda c: c.method == "sendMessage" and c.params.get("chat_id") == 1006, after=mark
        )
        assert "chưa được cấp quyền" in said.params["text"]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, stderr.decode()[-2000:]


async def test_the_rate_limiter_follows_the_setting(settings: Settings) -> None:
    async with open_app(settings) as app:
        assert isinstance(build_application(app).bot.rate_limiter, AIORateLimiter)
        settings.telegram_rate_limit = 0  # e.g. a local Bot API server: no limiter, no 429 retries
        assert build_application(app).bot.rate_limiter is None
