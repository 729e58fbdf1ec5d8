"""The reminder runner: what is due (conversations.reminders), claimed, then handed to the
recipient's channel; ``reminders_running`` keeps it going beside ``danvan run``.

Driven by the database, not by timers: each pass asks what is due *now* (``now`` is injectable,
so tests control the clock) and claims every reminder in its own transaction before sending it
(``storage.reminders.claim``). Two processes, or a restart in the middle of a pass, therefore
never send one reminder twice; a claim is given back only when the message certainly did not
go out. No channel library is imported here: ``deliver`` is the channel's sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import App, rubric_loader
from bot.metrics import Metrics
from conversations.reminders import Due, due_at
from rubric.model import Rubric
from storage import reminders as store

log = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot: marked unreachable, not retried
    FAILED = "failed"  # refused, or perhaps delivered (timeout): not retried, never twice
    RETRY = "retry"  # certainly not delivered (network down): claim released, next pass retries
    TAKEN = "taken"  # another pass or process claimed it first


Deliver = Callable[[Due], Awaitable[Outcome]]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Tally:
    sent: int = 0
    blocked: int = 0
    failed: int = 0
    retry: int = 0
    taken: int = 0

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def __bool__(self) -> bool:
        return any(vars(self).values())


class Scheduler:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        rubric_for: Callable[[str], Rubric],
        deliver: Deliver,
        *,
        now: Callable[[], datetime] = utc_now,
        channels: Collection[str] = ("telegram",),
        period_ids: Collection[int] | None = None,
        workers: int = 8,
        on_pass: Callable[[], None] | None = None,
    ) -> None:
        self.sessions, self.rubric_for, self.deliver = sessions, rubric_for, deliver
        self.now, self.channels, self.period_ids = now, channels, period_ids
        self.workers = workers
        self._stopping = asyncio.Event()
        self.passes = 0  # finished so far by ``run``
        self.on_pass = on_pass  # told after each pass (the /metrics counter)
        self._passed = asyncio.Condition()

    async def pending(self, at: datetime | None = None) -> list[Due]:
        """What is due at ``at`` (default: now) and not sent yet; nothing is written."""
        async with self.sessions() as s:
            return await due_at(
                s,
                self.rubric_for,
                at or self.now(),
                channels=self.channels,
                period_ids=self.period_ids,
            )

    async def tick(self) -> Tally:
        """One pass: claim and send everything due now, ``workers`` messages at a time."""
        now = self.now()
        queue = list(reversed(await self.pending(now)))
        tally = Tally()

        async def work() -> None:
            while queue and not self._stopping.is_set():
                tally.add(await self._one(queue.pop(), now))

        await asyncio.gather(*(work() for _ in range(min(self.workers, len(queue)))))
        return tally

    async def _one(self, due: Due, now: datetime) -> Outcome:
        now = now.astimezone(UTC)  # stored timestamps are UTC (SQLite keeps no zone)
        unit_id, person_id = due.unit.id, due.contact.person_id
        if not await store.claim(self.sessions, due.period_id, due.key, unit_id, person_id, now):
            return Outcome.TAKEN
        try:
            outcome = await self.deliver(due)
        except Exception:
            log.exception("reminder %s could not be sent", due.key)
            outcome = Outcome.FAILED
        if outcome is Outcome.RETRY:
            await store.release(self.sessions, due.period_id, due.key)
        elif outcome is Outcome.BLOCKED:
            log.warning("%s blocked the bot: marked unreachable", due.contact.name)
            await store.set_unreachable(self.sessions, due.contact.identity_id, now)
        elif outcome is Outcome.SENT and due.contact.unreachable:
            await store.set_unreachable(self.sessions, due.contact.identity_id, None)
        return outcome

    async def run(self, interval: float = 60.0) -> None:
        """Pass after pass until ``stop()``; the first pass at once (what was missed while the
        bot was down goes out now). A failing pass is logged; the next one tries again."""
        while not self._stopping.is_set():
            try:
                tally = await self.tick()
                if tally:
                    log.info("reminders: %s", tally)
            except Exception:
                log.exception("reminder pass failed")
            async with self._passed:
                self.passes += 1
                self._passed.notify_all()
            if self.on_pass is not None:
                self.on_pass()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), interval)

    async def wait_passes(self, n: int) -> None:
        """Until ``run`` has finished ``n`` passes: every reminder they found was handed over
        (how a test knows a pass is over, instead of waiting some time)."""
        async with self._passed:
            await self._passed.wait_for(lambda: self.passes >= n)

    def stop(self) -> None:
        """Finish the messages being sent, start no new one, leave ``run``."""
        self._stopping.set()


def by_channel(deliveries: dict[str, Deliver], metrics: Metrics | None = None) -> Deliver:
    async def deliver(due: Due) -> Outcome:
        assert due.reply.recipient is not None
        outcome = await deliveries[due.reply.recipient.channel](due)
        if metrics is not None:
            metrics.reminders.labels(outcome.value).inc()
        return outcome

    return deliver


@asynccontextmanager
async def reminders_running(
    app: App, deliveries: dict[str, Deliver], now: Callable[[], datetime] | None = None
) -> AsyncIterator[Scheduler]:
    """The loop in the background for people on the ``deliveries``' channels; stopped politely."""
    kwargs = {"now": now} if now is not None else {}
    scheduler = Scheduler(
        app.sessions,
        rubric_loader(app.settings),
        by_channel(deliveries, app.metrics),
        channels=tuple(deliveries),
        on_pass=app.metrics.reminder_passes.inc,
        **kwargs,
    )
    task = asyncio.create_task(scheduler.run(app.settings.reminder_interval))
    try:
        yield scheduler
    finally:
        scheduler.stop()
        try:
            await asyncio.wait_for(asyncio.shield(task), 10)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
