"""Polling mode through the fake Bot API server: one officer's slow update holds up nobody
else, one chat's updates are applied in the order they arrived, a failing update stops nothing
(bot/telegram/update_processor.py)."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update

from bot.app import App
from bot.channel.chat_order import ChatQueues
from bot.settings import Settings
from bot.telegram.update_processor import ChatOrderProcessor, chat_key
from storage.models import Answer, Role
from tests.fake_telegram import FakeTelegram
from tests.support import settle
from tests.telegram_support import Phone, running
from tests.test_bot_telegram_appraiser import invite_to

pytestmark = pytest.mark.slow


def held_reports(app: App, monkeypatch: pytest.MonkeyPatch) -> tuple[asyncio.Event, asyncio.Event]:
    """The engine's report maker waits for the returned gate: (started, gate)."""
    started, gate = asyncio.Event(), asyncio.Event()
    real = app.engine.make_report

    async def held(*args: Any) -> list[Path]:
        started.set()
        await gate.wait()
        return await real(*args)

    monkeypatch.setattr(app.engine, "make_report", held)
    return started, gate


async def test_a_slow_report_holds_up_no_other_officer(
    settings: Settings, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(settings) as app:
        slow = Phone(fake, fake.user(3001, "Cán bộ Cửu Cao"))
        quick = Phone(fake, fake.user(3002, "Cán bộ Liên Nghĩa"))
        await slow.type(f"/start {await invite_to(app, 'VG-CUUCAO', Role.OFFICER)}")
        await quick.type(f"/start {await invite_to(app, 'VG-LIENNGHIA', Role.OFFICER)}")
        started, gate = held_reports(app, monkeypatch)
        loop = asyncio.get_running_loop()
        try:
            await fake.send_text(slow.user, "/baocao")
            await asyncio.wait_for(started.wait(), 10)  # the report is being made

            mark = fake.mark()
            question = await quick.asked()  # I.1, where the invite led
            await fake.click(quick.user, "2", question.message_id)
            answered = await fake.wait_for("answerCallbackQuery", timeout=5, after=mark)
            asked = await fake.wait_for(
                lambda c: c.method == "sendMessage" and c.params.get("reply_markup") is not None,
                timeout=5,
                after=mark,
            )
            assert answered.ok and asked.params["chat_id"] == quick.user.id
            assert "I.2." in (asked.params.get("text") or "")  # the next question at once
            assert not gate.is_set() and not fake.calls_to("sendDocument")
        finally:
            # Stopping waits for the report still being made: it is sent, not dropped.
            loop.call_later(0.3, gate.set)
    names = [m.document.filename for m in fake.chat(3001) if m.document]
    assert len(names) == 2, names  # both reports, sent while the bot was stopping


SCORED = re.compile(r"✔️ I\.1: (\S+)/2 điểm")


async def test_one_chats_quick_presses_are_applied_in_order(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with running(settings) as app:
        phone = Phone(fake, fake.user(3003))
        await phone.type(f"/start {await invite_to(app, 'VG-CUUCAO', Role.OFFICER)}")
        question = phone.question  # I.1, where the invite led
        buttons = {d.rsplit("|", 1)[1]: (t, d) for t, d in fake.buttons(question)}
        assert {"0", "1", "2"} <= buttons.keys(), buttons
        pressed = ["2", "0", "1", "2", "1", "0", "2", "0", "0", "1"]
        since = len(fake.chat(3003))

        async def press(key: str) -> dict:
            data = buttons[key][1]
            return await fake.press(phone.user, question.message_id, data, strict=False)

        # Back to back: all ten are queued before the bot has fetched the first.
        updates = [await press(key) for key in pressed]
        queries = [str(u["callback_query"]["id"]) for u in updates]
        await fake.until(lambda: all(fake.times_answered(u) for u in updates), what="all answered")

        answers = [
            q for q in (a["callback_query_id"] for a in fake.callback_answers) if q in queries
        ]
        assert answers == queries
        said = [m.text or "" for m in fake.chat(3003)[since:]]
        assert [m.group(1) for t in said if (m := SCORED.search(t))] == pressed
        shown = next(m for m in fake.chat(3003) if m.message_id == question.message_id)
        assert shown.text.endswith(f"➡️ {buttons[pressed[-1]][0]}")  # the last press's edit
        assert [m.message_id for m in fake.chat(3003) if m.reply_markup] == [
            fake.chat(3003)[-1].message_id  # only the question asked last keeps its buttons
        ]
        async with app.sessions() as s:
            score = await s.scalar(select(Answer.score).where(Answer.item_id == "I.1"))
        assert score == Decimal(pressed[-1])


async def test_a_failing_update_does_not_stop_the_chats_next_one(
    settings: Settings, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(settings) as app:
        phone = Phone(fake, fake.user(3004))
        await phone.type(f"/start {await invite_to(app, 'VG-CUUCAO', Role.OFFICER)}")
        real = app.engine.handle
        entered, gate = asyncio.Event(), asyncio.Event()
        calls = 0

        async def flaky(*args: Any, **kwargs: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 1:
                entered.set()
                await gate.wait()
                raise RuntimeError("database went away")
            return await real(*args, **kwargs)

        monkeypatch.setattr(app.engine, "handle", flaky)
        queued = asyncio.Event()  # the chat's second update is in the processor's queue
        start, submitted = ChatQueues.start, 0

        def start_and_count(self: ChatQueues, *args: Any) -> Any:
            nonlocal submitted
            submitted += 1
            if submitted == 2:
                queued.set()
            return start(self, *args)

        monkeypatch.setattr(ChatQueues, "start", start_and_count)
        since = len(fake.chat(3004))
        await fake.send_text(phone.user, "/tiendo")
        second = await fake.send_text(phone.user, "/tiendo")
        try:
            await asyncio.wait_for(entered.wait(), 60)
            await asyncio.wait_for(queued.wait(), 60)
            await settle()  # every task that could run now runs (no time is waited)
            assert calls == 1  # the chat's second update waits for its first
        finally:
            gate.set()
        await fake.until(lambda: fake.times_answered(second) == 1, what="the second answered")
        said = [m.text or "" for m in fake.chat(3004)[since:]]
        assert "hệ thống gặp lỗi" in said[0]  # on_error, the application's error handler
        assert any("Đã chấm 0/28" in t for t in said[1:])


# --- the processor alone ------------------------------------------------------------------


def update(update_id: int, chat_id: int | None, user_id: int | None = None) -> Update:
    body: dict[str, Any] = {"update_id": update_id}
    if chat_id is not None:
        sender = {"id": user_id or chat_id, "is_bot": False, "first_name": "A"}
        chat = {"id": chat_id, "type": "private"}
        body["message"] = {"message_id": update_id, "date": 0, "chat": chat, "from": sender}
        body["message"]["text"] = "x"
    elif user_id is not None:
        sender = {"id": user_id, "is_bot": False, "first_name": "A"}
        body["inline_query"] = {"id": "1", "from": sender, "query": "", "offset": ""}
    return Update.de_json(body, None)


def test_the_queue_is_the_chat_else_the_user_else_one_shared() -> None:
    assert chat_key(update(1, -100123, user_id=7)) == -100123
    assert chat_key(update(2, None, user_id=7)) == 7
    assert chat_key(update(3, None)) is None  # e.g. a poll's new state
    assert chat_key(object()) is None


async def test_a_chat_with_many_queued_updates_takes_one_place() -> None:
    processor = ChatOrderProcessor(limit=2)
    assert processor.limit == 2
    done: list[str] = []
    gate = asyncio.Event()

    async def work(name: str, wait: bool = False) -> None:
        if wait:
            await gate.wait()
        done.append(name)

    async with processor:
        tasks = [asyncio.create_task(processor.process_update(update(1, 1), work("a0", True)))]
        tasks += [
            asyncio.create_task(processor.process_update(update(n, 1), work(f"a{n}")))
            for n in range(1, 20)
        ]
        await settle()
        assert processor.running == 1  # a1..a19 wait without a place
        b = asyncio.create_task(processor.process_update(update(20, 2), work("b")))
        await asyncio.wait_for(b, 1)
        assert done == ["b"]
        gate.set()
        await asyncio.gather(*tasks)
    assert done == ["b"] + [f"a{n}" for n in range(20)]
    assert processor.running == 0


async def test_shutdown_waits_for_the_updates_in_hand() -> None:
    processor = ChatOrderProcessor()
    done: list[int] = []
    gate = asyncio.Event()  # the work in hand goes on once the shutdown waits for it

    async def work(n: int) -> None:
        await gate.wait()
        done.append(n)

    await processor.initialize()
    tasks = [
        asyncio.create_task(processor.process_update(update(n, n % 2), work(n))) for n in range(6)
    ]
    await asyncio.sleep(0)
    shutdown = asyncio.create_task(processor.shutdown())
    await settle()
    assert not shutdown.done() and done == []  # it waits for the work in hand
    gate.set()
    await shutdown
    assert sorted(done) == list(range(6))
    await asyncio.gather(*tasks)
