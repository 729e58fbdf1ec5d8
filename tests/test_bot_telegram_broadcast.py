"""Polite sending (bot.telegram.broadcast): the pacer's limits on a virtual clock, RetryAfter,
blocked and unknown chats, a network that is down, and 200 units reminded at once measured on
the fake Bot API server's clock."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import pytest

from bot.app import open_app, rubric_loader
from bot.reminders import Outcome, Scheduler
from bot.settings import Settings
from bot.telegram.broadcast import Pacer, TelegramDelivery
from conversations.events import Recipient, Reply
from conversations.reminders import Due
from storage import people
from storage.models import Assessment, Role, Unit, UnitKind
from storage.reminders import Contact
from tests.fake_telegram import FakeTelegram
from tests.test_bot_reminders import Clock
from tests.test_conversations_reminders import populate


class VirtualTime:
    """A clock that only moves when someone sleeps: the pacer's waits cost no real time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def most_in_one_second(times: list[float]) -> int:
    """The most messages in any window of one second (float noise of the virtual clock aside)."""
    times = sorted(times)
    return max(sum(1 for t in times[i:] if t - start < 1.0 - 1e-9) for i, start in enumerate(times))


def gaps_per_chat(sends: list[tuple[int, float]]) -> list[float]:
    by_chat: dict[int, list[float]] = {}
    for chat, at in sends:
        by_chat.setdefault(chat, []).append(at)
    return [b - a for ts in map(sorted, by_chat.values()) for a, b in itertools.pairwise(ts)]


async def test_the_pacer_keeps_both_limits_on_a_virtual_clock() -> None:
    vt = VirtualTime()
    pacer = Pacer(25, 1.0, clock=vt.clock, sleep=vt.sleep)
    sends: list[tuple[int, float]] = []

    async def send(chat: int) -> None:
        async with pacer.turn(chat):
            sends.append((chat, vt.now))
            await asyncio.sleep(0)

    chats = [7] * 10 + [8] * 5 + list(range(100, 185))  # 100 messages, 87 chats
    await asyncio.gather(*(send(c) for c in chats))
    assert len(sends) == 100
    assert most_in_one_second([at for _, at in sends]) <= 25
    assert min(gaps_per_chat(sends)) >= 1.0

    pacer.pause(30)  # Telegram said "retry after 30": nobody sends before that
    start = vt.now
    await send(9)
    assert sends[-1] == (9, start + 30)


def due_for(chat_id: int, text: str = "Nhắc hạn") -> Due:
    contact = Contact(1, "Cán bộ", 1, "telegram", str(chat_id), False)
    reply = Reply(text, recipient=Recipient("telegram", str(chat_id)))
    return Due(1, f"test:person={chat_id}", Unit(id=1, name="Đơn vị"), contact, reply, None)  # type: ignore[arg-type]


async def test_retry_after_is_honoured(fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22.8 warns when it builds RetryAfter otherwise
    fake.user(42)
    fake.retry_after(3, times=2)
    vt = VirtualTime()
    async with fake.bot() as bot:
        deliver = TelegramDelivery(bot, Pacer(25, 1.0, clock=vt.clock, sleep=vt.sleep))
        assert await deliver(due_for(42)) is Outcome.SENT
    assert [c.status for c in fake.calls_to("sendMessage")] == [429, 429, 200]
    assert sum(vt.slept) >= 6  # twice the three seconds Telegram asked for
    assert [m.text for m in fake.chat(42)] == ["Nhắc hạn"]


async def test_blocked_unknown_and_unreachable_chats(fake: FakeTelegram) -> None:
    fake.user(42)
    fake.block(42)
    vt = VirtualTime()
    pacer = Pacer(25, 1.0, clock=vt.clock, sleep=vt.sleep)
    async with fake.bot() as bot:
        deliver = TelegramDelivery(bot, pacer)
        assert await deliver(due_for(42)) is Outcome.BLOCKED
        assert await deliver(due_for(43)) is Outcome.FAILED  # chat not found: not retried
        assert await deliver(due_for(42, "x" * 5000)) is Outcome.BLOCKED
    assert [c.status for c in fake.calls_to("sendMessage")] == [403, 400, 403]
    async with FakeTelegram() as gone:
        down = gone.bot()
        await down.initialize()
    try:  # the server is gone: nothing was delivered, the scheduler may try again later
        assert await TelegramDelivery(down, pacer, attempts=3)(due_for(42)) is Outcome.RETRY
    finally:
        await down.shutdown()
    assert vt.slept[-3:] == [0.5, 1.0, 2.0]  # backing off between the attempts


@pytest.mark.slow
async def test_two_hundred_units_at_once_stay_within_the_limits(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Real time, measured on the fake server's clock: about 8 s (SQLite only; the limits do
    not depend on the database)."""
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'rate.db'}",
        evidence_dir=tmp_path / "evidence",
        telegram_bot_token=fake.token,
    )
    async with open_app(settings) as app, fake.bot() as bot:
        async with app.sessions() as s, s.begin():
            world = await populate(s)  # 3 units; 2 of them (3 officers) not submitted
            district = await s.get(Unit, (await s.get(Unit, world.units["VG-CUUCAO"])).parent_id)  # type: ignore[union-attr]
            assert district is not None
            shared = await people.add_person(s, "Cán bộ phụ trách 5 xã", "telegram", "4999", "4999")
            for n in range(198):
                unit = Unit(code=f"VG-X{n:03d}", name=f"Đơn vị {n}", kind=UnitKind.OTHER,
                            parent_id=district.id)  # fmt: skip
                s.add(unit)
                await s.flush()
                s.add(Assessment(unit_id=unit.id, period_id=world.period_id))
                if n < 5:
                    await people.grant(s, shared.id, Role.OFFICER, unit.id)
                    continue
                uid = 5000 + n
                person = await people.add_person(s, f"Cán bộ {n}", "telegram", str(uid), str(uid))
                await people.grant(s, person.id, Role.OFFICER, unit.id)
        for uid in [1001, 1003, 1004, 4999, *range(5005, 5198)]:
            fake.user(uid)
        sched = Scheduler(app.sessions, rubric_loader(settings), TelegramDelivery(bot),
                          now=Clock("2022-11-14 08:00"))  # fmt: skip
        started = time.monotonic()
        tally = await sched.tick()
        took = time.monotonic() - started
    calls = fake.calls_to("sendMessage")
    assert tally.sent == len(calls) == 201 and all(c.ok for c in calls)  # 200 units, 201 people
    assert len({c.params["chat_id"] for c in calls}) == 197
    assert most_in_one_second([c.at for c in calls]) <= 26  # 25 a second, ± network jitter
    gaps = gaps_per_chat([(c.params["chat_id"], c.at) for c in calls])
    assert len(gaps) == 4 and min(gaps) >= 1.0  # the officer of five units: one a second
    assert 7.5 < took < 12, took
