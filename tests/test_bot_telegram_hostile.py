"""Strangers, forged and odd buttons, reused update ids, restarts: through the fake Bot API."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select
from telegram import Update

from bot.app import open_app
from bot.settings import Settings
from bot.telegram import callback
from bot.telegram.intake import update_key
from conversations.texts import msg
from storage import inbox
from storage.models import Answer, AuditEvent, InboxUpdate, Position
from storage.tempfiles import HOST
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import JPEG, PDF, Phone, invite, running

UNKNOWN = msg("unknown_user")


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_a_strangers_files_are_never_downloaded_nor_stored(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings):
        stranger = Phone(fake, fake.user(4001, "Người lạ"))
        await stranger.send(fake.send_photo(stranger.user, JPEG, caption="ảnh"))
        await stranger.send(
            fake.send_document(stranger.user, PDF, "ke-hoach.pdf", "application/pdf")
        )
        await stranger.type("xin chào")
        said = [m.text for m in fake.chat(4001)]
        assert said == [UNKNOWN] * 3  # the same polite answer as to a text
        assert fake.downloads == [] and fake.calls_to("getFile") == []
        assert files_under(settings.evidence_dir) == []


async def test_buttons_with_no_chat_or_extra_bytes_or_forged_change_nothing(
    settings: Settings, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(settings) as app:
        phone = Phone(fake, fake.user(4101))
        await phone.type(f"/start {await invite(app)}")  # straight to I.1
        question = phone.question
        good = next(d for t, d in fake.buttons(question) if t == "2")

        async def state() -> tuple[object, ...]:
            async with app.sessions() as s:
                return (
                    tuple((await s.execute(select(Position.cursor, Position.return_to))).all()),
                    await s.scalar(select(func.count()).select_from(AuditEvent)),
                    tuple((await s.execute(select(Answer.item_id, Answer.score))).all()),
                )

        before = await state()
        with caplog.at_level(logging.ERROR):
            await phone.send(fake.press_inline(phone.user, good))  # a button of no message
            aid = callback.decode(good).assessment_id  # type: ignore[union-attr]
            for data in (
                good + "\n",  # the right data with a newline after it
                f"1|{aid}|score:I.1|7",  # a score this question never offered
                f"1|{aid}|score:I.1|k",
                f"1|{aid}|menu|3",  # a question the officer is not at
            ):
                await phone.press_raw(question.message_id, data)
                assert fake.callback_answers[-1].get("show_alert"), data
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
        assert fake.callback_answers[-5].get("show_alert")  # the inline one was answered too
        assert await state() == before
        still = next(m for m in fake.chat(4101) if m.message_id == question.message_id)
        assert still.reply_markup == question.reply_markup and still.edits == 0  # buttons kept
        assert not [m for m in fake.chat(4101) if "hệ thống gặp lỗi" in (m.text or "")]
        await phone.tap("2")  # and the question still works
        assert "I.1: 2/2 điểm" in phone.texts()


async def test_a_reused_update_id_with_new_content_is_a_new_update(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings) as app:
        phone = Phone(fake, fake.user(4201))
        await phone.type(f"/start {await invite(app)}")  # straight to I.1
        first = await fake.answer_to(fake.send_text(phone.user, "2"))  # I.1; on to I.2
        # Telegram picks ids at random again after a week without updates: the same id, a
        # new message
        reused = {**first, "message": {**first["message"], "message_id": 999, "text": "Có"}}
        await phone.send(fake.deliver(reused))
        async with app.sessions() as s:
            results = await s.scalar(select(Answer.results_text).where(Answer.item_id == "I.1"))
        assert results == "Có"  # typed on I.2: the item just scored
        sent = len(fake.chat(4201))
        await phone.send(fake.deliver(reused))  # the very same update again: the question
        (again,) = fake.chat(4201)[sent:]
        assert "Câu 2/28" in (again.text or "") and again.reply_markup
        assert "Đã lưu" not in (again.text or "")  # not taken a second time


async def test_an_old_question_loses_its_buttons_after_a_restart(
    settings: Settings, fake: FakeTelegram
) -> None:
    phone = Phone(fake, fake.user(4301))
    async with running(settings) as app:
        await phone.type(f"/start {await invite(app)}")  # straight to I.1
        old = phone.question.message_id
    async with running(settings):  # a new process knows nothing in memory
        await phone.type("/tieptuc")  # typed: the old question's buttons are not pressed
        message = next(m for m in fake.chat(4301) if m.message_id == old)
        assert message.reply_markup is None
        assert phone.question.message_id != old


async def test_what_a_crash_left_half_written_is_removed_at_start(settings: Settings) -> None:
    dead = 2**22 + 12345  # no such process here
    assert not any(p.name == str(dead) for p in Path("/proc").iterdir())
    tmp = settings.evidence_dir / ".tmp"
    tmp.mkdir(parents=True)
    (tmp / f"{HOST}~{dead}~{'a' * 32}.part").write_bytes(b"half a photo")
    (tmp / f"{HOST}~{os.getppid()}~{'b' * 32}.part").write_bytes(b"a live upload")
    settings.output_dir.mkdir(parents=True)
    report = settings.output_dir / f".bao-cao-tu-danh-gia-2022-X~{HOST}~{dead}~{'c' * 32}.docx"
    report.write_bytes(b"half a report")
    kept = settings.output_dir / "bao-cao-tu-danh-gia-2022-X.docx"
    kept.write_bytes(b"a finished report")
    async with open_app(settings):
        pass
    assert sorted(p.name for p in files_under(tmp)) == [f"{HOST}~{os.getppid()}~{'b' * 32}.part"]
    assert files_under(settings.output_dir) == [kept]


async def test_updates_a_crash_interrupted_are_answered_after_the_restart(
    settings: Settings, fake: FakeTelegram
) -> None:
    phone = Phone(fake, fake.user(4401))
    async with running(settings) as app:
        await phone.type(f"/start {await invite(app)}")  # straight to I.1
    sent = len(fake.chat(4401))
    # What a crash leaves: an update stored when it was fetched but never handled (Telegram
    # was told it arrived: it will not send it again) ...
    typed = fake.text_update(phone.user, "2")
    key = update_key(Update.de_json(typed, None))
    async with open_app(settings) as app, app.sessions() as s, s.begin():
        await inbox.receive(s, "telegram", key, "4401", "4401", json.dumps(typed))
        # ... and one handled whose answer may never have gone out
        await inbox.claim(s, "telegram", "777:handled-before-the-crash", "4401", "4401")
    async with running(settings) as app:
        await fake.until(lambda: fake.times_answered(typed) == 1, what="the stored '2' answered")
        asked_again, answered = (m.text or "" for m in fake.chat(4401)[sent:])
        assert "Câu 1/28" in asked_again  # where the officer was
        assert "✔️ I.1: 2/2 điểm" in answered and "Câu 2/28" in answered  # the stored "2"
        async with app.sessions() as s:
            score = await s.scalar(select(Answer.score).where(Answer.item_id == "I.1"))
        assert score == 2  # the stored "2" was applied, once
        await app.journal.flush()
        async with app.sessions() as s:
            since = inbox.now() - inbox.REDELIVERY
            assert await inbox.pending(s, "telegram", since) == []
            assert await inbox.unanswered(s, "telegram", since) == []


async def test_fetched_updates_are_stored_before_the_next_getupdates_confirms_them(
    settings: Settings, fake: FakeTelegram
) -> None:
    """Polling: once getUpdates has handed updates over, the next getUpdates (its offset)
    tells Telegram they arrived; they are in the inbox by then, with their bodies, even while
    their handling has not begun (here it is held up), so a crash cannot lose them."""
    async with running(settings) as app:
        phone = Phone(fake, fake.user(4501))
        await phone.type(f"/start {await invite(app)}")
        release = asyncio.Event()
        handle = app.engine.handle

        async def held(*args: object, **kwargs: object) -> object:
            await release.wait()
            return await handle(*args, **kwargs)  # type: ignore[arg-type]

        app.engine.handle = held  # type: ignore[assignment,method-assign]
        confirmed: dict[str, str | None] = {}
        get_updates = fake._api["getupdates"]

        async def confirming(p: dict, files: dict) -> object:
            offset = int(p.get("offset") or 0)
            keys = [
                update_key(Update.de_json(e.update, None))
                for e in fake._queue
                if e.fetched and e.update["update_id"] < offset
            ]
            if keys:
                async with app.sessions() as s:
                    rows = await s.execute(
                        select(InboxUpdate.update_key, InboxUpdate.body).where(
                            InboxUpdate.update_key.in_(keys)
                        )
                    )
                    stored = {key: body for key, body in rows.all()}
                confirmed.update({key: stored.get(key) for key in keys})
            return await get_updates(p, files)

        fake._api["getupdates"] = confirming
        try:
            sent = [await fake.send_text(phone.user, text) for text in ("/tiendo", "/huongdan")]
            # (the /start's confirmation may come through the hook too: it is not one of these)
            keys = [update_key(Update.de_json(u, None)) for u in sent]
            await fake.until(lambda: all(k in confirmed for k in keys), what="both confirmed")
        finally:
            release.set()  # a failure must not leave the bot's handlers held (and stop hanging)
        await fake.until(lambda: all(fake.times_answered(u) for u in sent), what="answered")
        bodies = [confirmed[k] for k in keys]
        assert all(body is not None for body in bodies), confirmed
        assert [json.loads(body or "{}")["message"]["text"] for body in bodies] == [
            "/tiendo",
            "/huongdan",
        ]
