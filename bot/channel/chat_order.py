"""Updates of one chat are handled one after another, in the order they arrived; different
chats are handled at the same time (one slow officer never holds up the others), at most
``limit`` at once when a limit is given.

Used by the Zalo channel (``bot/zalo/running.py``) and by Telegram's update processor in
polling mode (``bot/telegram/update_processor.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class ChatQueues:
    def __init__(self, limit: int | None = None) -> None:
        """``limit``: at most this many pieces of work run at once (None: no limit). Work that
        waits for its chat's earlier work takes no place, so a chat with many queued updates
        takes one place at most and never holds up the others."""
        if limit is not None and limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        self.limit = limit
        self.running = 0  # pieces of work running now (not those waiting for their turn)
        self._tails: dict[Hashable, asyncio.Task[Any]] = {}  # the last work of each chat
        self._tasks: set[asyncio.Task[Any]] = set()  # all work not done yet
        self._slots: AbstractAsyncContextManager[object] = (
            asyncio.Semaphore(limit) if limit is not None else nullcontext()
        )

    def submit(self, chat_id: Hashable, work: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Run ``work`` after everything already submitted for ``chat_id``; a failure is logged
        and never stops the chat's later work."""
        return self.start(chat_id, lambda: _logged(work))

    def start(self, chat_id: Hashable, work: Callable[[], Awaitable[T]]) -> asyncio.Task[T]:
        """Run ``work`` after everything already submitted for ``chat_id``; the task ends as
        ``work`` does (its result, or its exception for the caller to handle). The place in
        the chat's queue is taken before this returns."""
        previous = self._tails.get(chat_id)
        task = asyncio.create_task(self._after(previous, work))
        self._tails[chat_id] = task
        self._tasks.add(task)
        task.add_done_callback(lambda done: self._forget(chat_id, done))
        return task

    async def drain(self) -> None:
        """Wait until everything submitted so far is done (cancelled: cancel all of it)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _after(
        self, previous: asyncio.Task[Any] | None, work: Callable[[], Awaitable[T]]
    ) -> T:
        if previous is not None:
            await _behind(previous)
        async with self._slots:
            self.running += 1
            try:
                return await work()
            finally:
                self.running -= 1

    def _forget(self, chat_id: Hashable, done: asyncio.Task[Any]) -> None:
        self._tasks.discard(done)
        if self._tails.get(chat_id) is done:
            del self._tails[chat_id]


async def _behind(previous: asyncio.Task[Any]) -> None:
    """Until ``previous`` is done, whatever its outcome. Cancelled meanwhile, this still waits
    for it and then raises: the chat's later work never overtakes earlier work, and
    ``previous`` is not cancelled with the work behind it."""
    cancelled: asyncio.CancelledError | None = None
    while not previous.done():
        try:
            await asyncio.wait([previous])
        except asyncio.CancelledError as exc:
            cancelled = exc
    if cancelled is not None:
        raise cancelled


async def _logged(work: Callable[[], Awaitable[None]]) -> None:
    try:
        await work()
    except Exception:  # one failing update never stops the chat's later ones
        log.exception("update failed")
