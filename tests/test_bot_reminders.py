"""The reminder scheduler with a controllable clock, through the fake Bot API server, on every
database backend: the right people at the right times, never at night, never twice (two
processes, a crash in the middle of a pass, a restart), a blocked person marked unreachable."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.app import App, open_app, rubric_loader
from bot.reminders import Outcome, Scheduler
from bot.settings import Settings
from bot.telegram.application import telegram_running
from bot.telegram.broadcast import Pacer, TelegramDelivery
from conversations.reminders import Due
from storage.db import make_engine, make_sessionmaker
from storage.models import (
    Assessment,
    Identity,
    Membership,
    Position,
    ReminderSent,
    Role,
    Status,
    Unit,
    UnitKind,
)
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import Phone
from tests.test_conversations_reminders import APPRAISER, OFFICERS, World, populate, vn


class Clock:
    def __init__(self, at: str) -> None:
        self.value = vn(at)

    def __call__(self) -> datetime:
        return self.value

    def set(self, at: str) -> None:
        self.value = vn(at)


@asynccontextmanager
async def world_app(settings: Settings, fake: FakeTelegram) -> AsyncIterator[tuple[App, World]]:
    """The application on the test's database with ``populate``'s people, who are on the fake
    server too; ``app.bot`` is a Bot on the fake server. The fake watches the bot (its phones
    wait for the bot's word that it answered)."""
    for uid in [*OFFICERS, APPRAISER]:
        fake.user(uid, f"Người {uid}")
    async with open_app(settings) as app, fake.bot() as bot:
        fake.watch(app.journal)
        async with app.sessions() as s, s.begin():
            world = await populate(s)
        app.bot = bot  # type: ignore[attr-defined]
        yield app, world


def fast(app: App) -> TelegramDelivery:
    return TelegramDelivery(app.bot, Pacer(1000, 0))  # type: ignore[attr-defined]


def scheduler(app: App, clock: Clock, **kwargs: object) -> Scheduler:
    deliver = kwargs.pop("deliver", None) or fast(app)
    return Scheduler(app.sessions, rubric_loader(app.settings), deliver, now=clock, **kwargs)  # type: ignore[arg-type]


def received(fake: FakeTelegram, mark: int = 0) -> dict[int, list[str]]:
    """chat id -> texts of the messages the bot sent since ``mark``."""
    out: dict[int, list[str]] = {}
    for call in fake.calls[mark:]:
        if call.method.lower() == "sendmessage" and call.ok:
            out.setdefault(call.params["chat_id"], []).append(call.params["text"])
    return out


# moment -> chat id -> a phrase of the one message it gets then
TIMELINE: list[tuple[str, dict[int, str]]] = [
    ("2022-11-08 07:59", {}),
    ("2022-11-08 08:00", {1001: "(còn 7 ngày)", 1003: "(còn 7 ngày)", 1004: "(còn 7 ngày)"}),
    ("2022-11-08 08:05", {}),
    ("2022-11-10 08:00", {}),
    ("2022-11-12 08:00", {1001: "(còn 3 ngày)", 1003: "(còn 3 ngày)", 1004: "(còn 3 ngày)"}),
    # 13/11: Cửu Cao submits; from now on it gets nothing
    ("2022-11-14 08:00", {1003: "(còn 1 ngày, hạn là ngày mai)", 1004: "(còn 1 ngày"}),
    ("2022-11-15 08:00", {1003: "hôm nay là ngày cuối cùng", 1004: "ngày cuối cùng"}),
    ("2022-11-15 20:00", {}),
    ("2022-11-16 08:00", {1003: "QUÁ HẠN NỘP", 1004: "QUÁ HẠN NỘP", 1009: "còn 1 đơn vị"}),
    ("2022-11-17 08:00", {}),
    ("2022-11-24 08:00", {1009: "Hạn thẩm định: 01/12/2022 (còn 7 ngày)"}),
    ("2022-12-01 08:00", {1009: "(hôm nay là ngày cuối cùng)"}),
    ("2022-12-02 08:00", {1009: "QUÁ HẠN THẨM ĐỊNH"}),
    ("2022-12-03 08:00", {1009: "NHẮC HẠN BÁO CÁO CẤP TRÊN"}),
    ("2022-12-11 08:00", {}),
]


async def test_reminders_go_to_the_right_people_at_the_right_times(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with world_app(settings, fake) as (app, world):
        clock = Clock(TIMELINE[0][0])
        sched = scheduler(app, clock)
        for at, expected in TIMELINE:
            if at.startswith("2022-11-14"):
                async with app.sessions() as s, s.begin():
                    a = await s.get(Assessment, world.assessments["VG-CUUCAO"])
                    assert a is not None
                    a.status = Status.SUBMITTED
            clock.set(at)
            mark = fake.mark()
            tally = await sched.tick()
            got = received(fake, mark)
            assert sorted(got) == sorted(expected), at
            for chat, phrase in expected.items():
                assert len(got[chat]) == 1 and phrase in got[chat][0], (at, got[chat])
            assert tally.sent == len(expected)
        assert 1002 not in received(fake)  # Liên Nghĩa submitted before it all began
        markup = next(c for c in fake.calls_to("sendMessage") if c.params["chat_id"] == 1001)
        button = markup.params["reply_markup"]["inline_keyboard"][0][0]
        assert button["text"] == "▶ Tiếp tục"
        assert button["callback_data"] == f"1|{world.assessments['VG-CUUCAO']}|remind|1"


async def test_two_processes_ticking_at_once_send_each_reminder_once(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with world_app(settings, fake) as (app, _):
        other = make_engine(settings.database_url)
        try:
            clock = Clock("2022-11-08 08:00")
            a = scheduler(app, clock)
            b = Scheduler(
                make_sessionmaker(other),
                rubric_loader(settings),
                fast(app),
                now=clock,
            )
            taken = 0
            for at in ("2022-11-08 08:00", "2022-11-12 08:00", "2022-11-16 08:00"):
                clock.set(at)
                mark = fake.mark()
                first, second = await asyncio.gather(a.tick(), b.tick())
                got = received(fake, mark)
                assert all(len(texts) == 1 for texts in got.values()), got
                assert first.sent + second.sent == len(got) >= 3
                taken += first.taken + second.taken
            assert taken  # they did compete for the same reminders
        finally:
            await other.dispose()


class Crash(BaseException):
    """The process dies (kill -9) in the middle of a pass."""


async def test_a_crash_in_the_middle_of_a_pass_sends_nothing_twice(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with world_app(settings, fake) as (app, _):
        clock = Clock("2022-11-12 08:00")
        real = fast(app)
        delivered: list[str] = []

        async def dies_at_the_second(due: Due) -> Outcome:
            if len(delivered) == 1:
                raise Crash  # claimed, not sent
            delivered.append(due.key)
            return await real(due)

        with pytest.raises(Crash):
            await scheduler(app, clock, deliver=dies_at_the_second, workers=1).tick()
        assert len(received(fake)) == 1
        restarted = scheduler(app, clock)  # the next process, same instant
        tally = await restarted.tick()
        assert tally.sent == 1  # the third; the second was claimed by the dead process
        got = received(fake)
        assert len(got) == 2 and all(len(texts) == 1 for texts in got.values())
        async with app.sessions() as s:
            keys = list(await s.scalars(select(ReminderSent.key)))
        assert len(keys) == 3 and all(k.startswith("submit_by:2022-11-15:d-3:") for k in keys)
        assert (await restarted.tick()).sent == 0


@pytest.mark.slow
async def test_a_reminder_missed_while_down_is_sent_once_on_start_and_its_button_resumes(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with world_app(settings, fake) as (app, world):
        async with app.sessions() as s, s.begin():
            a = await s.get(Assessment, world.assessments["VG-TANTIEN"])
            assert a is not None
            officers = await s.scalars(
                select(Membership.person_id).where(
                    Membership.unit_id == a.unit_id, Membership.role == Role.OFFICER
                )
            )
            for person_id in officers:  # 1003 and 1004 stopped at II.2's results step, a step
                # of an earlier version (its place is now II.2's question)
                s.add(Position(person_id=person_id, assessment_id=a.id, cursor="results:II.2"))
        clock = Clock("2022-11-13 10:00")  # d-3 was due yesterday at 08:00; the bot was down
        async with telegram_running(app, poll_timeout=1, reminders=True, reminder_clock=clock):
            for uid in (1001, 1003, 1004):
                await fake.wait_for(
                    lambda c, uid=uid: c.method == "sendMessage" and c.params["chat_id"] == uid
                )

            async def resume(phone: Phone) -> None:
                """Tap the reminder's button and wait for the question it resumes at (the
                reminder has buttons too: a slow machine must not read it as the question)."""
                mark, uid = fake.mark(), phone.user.id
                await phone.tap("▶ Tiếp tục")
                await fake.wait_for(
                    lambda c: c.method == "sendMessage" and c.params["chat_id"] == uid, after=mark
                )

            cuucao = Phone(fake, fake.user(1001))
            assert "Hạn nộp: 15/11/2022 (còn 2 ngày)." in cuucao.texts()
            await resume(cuucao)
            assert cuucao.target() == "score:I.3"  # the first item without a score
            assert "I.3." in cuucao.question.text
            tantien = Phone(fake, fake.user(1003))
            await resume(tantien)
            assert tantien.target() == "score:II.2"  # where it stopped
        # What a stopping process writes on its way out (the app's close): which updates were
        # answered; else the restart answers the presses again (it cannot know they were).
        await app.journal.flush()
        mark = fake.mark()
        async with telegram_running(
            app, poll_timeout=1, reminders=True, reminder_clock=clock
        ) as application:
            await asyncio.wait_for(application.bot_data["reminders"].wait_passes(1), 15)
            assert received(fake, mark) == {}  # a restart sends nothing again
        reminders = {  # not the engine's "⏰ Hạn nộp … đã qua" (its clock is today's, not 2022's)
            chat: [t for t in texts if t.startswith("⏰ NHẮC")]
            for chat, texts in received(fake).items()
        }
        assert {chat: len(texts) for chat, texts in reminders.items()} == {
            1001: 1,
            1003: 1,
            1004: 1,
        }


async def test_nothing_is_sent_at_night(settings: Settings, fake: FakeTelegram) -> None:
    async with world_app(settings, fake) as (app, _):
        clock = Clock("2022-11-12 21:30")  # the bot starts late in the evening of the d-3 day
        sched = scheduler(app, clock)
        for at in ("2022-11-12 21:30", "2022-11-13 00:00", "2022-11-13 03:00", "2022-11-13 06:59"):
            clock.set(at)
            assert not await sched.tick()
        assert received(fake) == {}
        clock.set("2022-11-13 07:00")
        assert (await sched.tick()).sent == 3
        assert all("(còn 2 ngày)" in texts[0] for texts in received(fake).values())


async def test_a_blocked_person_is_marked_unreachable_and_shown_to_the_appraisers(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with world_app(settings, fake) as (app, _):
        fake.block(1003)
        clock = Clock("2022-11-08 08:00")
        sched = scheduler(app, clock)
        tally = await sched.tick()
        assert (tally.sent, tally.blocked) == (2, 1)
        refused = [c for c in fake.calls if c.params.get("chat_id") == 1003]
        assert [c.status for c in refused] == [403]  # not retried
        clock.set("2022-11-08 09:00")
        assert not await sched.tick()  # nor in the next pass
        async with app.sessions() as s:
            identity = await s.scalar(select(Identity).where(Identity.external_id == "1003"))
            assert identity is not None and identity.unreachable_since is not None
            assert identity.unreachable_since.replace(tzinfo=None) == datetime(2022, 11, 8, 1)

        async with telegram_running(app, poll_timeout=1):
            boss = Phone(fake, fake.user(APPRAISER))
            await boss.type("/donvi")
            lines = boss.question.text.splitlines()
            tantien = next(line for line in lines if "Tân Tiến" in line)
            assert tantien.endswith("· 🚫 không liên lạc được")
            assert not any("🚫" in line for line in lines if "Cửu Cao" in line)

        fake.unblock(1003)  # they unblock the bot: the next reminder reaches them
        clock.set("2022-11-12 08:00")
        assert (await sched.tick()).sent == 3
        async with app.sessions() as s:
            identity = await s.scalar(select(Identity).where(Identity.external_id == "1003"))
            assert identity is not None and identity.unreachable_since is None


async def test_the_late_units_notice_tells_who_could_be_reminded(
    settings: Settings, fake: FakeTelegram
) -> None:
    async with world_app(settings, fake) as (app, world):
        async with app.sessions() as s, s.begin():  # a unit nobody has joined yet
            meso = Unit(code="VG-MESO", name="UBND xã Mễ Sở", kind=UnitKind.COMMUNE)
            meso.parent_id = (await s.get(Unit, world.units["VG-CUUCAO"])).parent_id  # type: ignore[union-attr]
            s.add(meso)
            await s.flush()
            s.add(Assessment(unit_id=meso.id, period_id=world.period_id))
        clock = Clock("2022-11-16 08:00")
        mark = fake.mark()
        await scheduler(app, clock).tick()
        (late,) = received(fake, mark)[APPRAISER]
        assert "còn 3 đơn vị chưa nộp" in late
        reminded, unreached = late.split("Chưa nhắc được")
        assert "Đã nhắc cán bộ của 2 đơn vị" in reminded and "Mễ Sở" not in reminded
        assert "• UBND xã Cửu Cao" in reminded and "• UBND xã Tân Tiến" in reminded
        assert "1 đơn vị vì chưa có cán bộ nào liên kết" in unreached
        assert "• UBND xã Mễ Sở" in unreached and "Cửu Cao" not in unreached
