"""The reminder loop of ``danvan run``, over every channel that runs in this process: each
reminder goes to its recipient's channel (claimed once in the database before it is sent, so
several processes may run the loop)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from bot.app import App, rubric_loader
from bot.scheduler import Deliver, Outcome, Scheduler
from conversations.reminders import Due


def by_channel(deliveries: dict[str, Deliver]) -> Deliver:
    async def deliver(due: Due) -> Outcome:
        assert due.reply.recipient is not None
        return await deliveries[due.reply.recipient.channel](due)

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
        by_channel(deliveries),
        channels=tuple(deliveries),
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
