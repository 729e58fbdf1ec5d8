"""Updates of one chat are handled one after another, in the order they arrived; different
chats are handled at the same time (one slow officer never holds up the others)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class ChatQueues:
    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task[None]] = {}

    def submit(self, chat_id: str, work: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Run ``work`` after everything already submitted for ``chat_id``."""
        previous = self._tails.get(chat_id)
        task = asyncio.create_task(self._after(previous, work))
        self._tails[chat_id] = task
        task.add_done_callback(lambda done: self._forget(chat_id, done))
        return task

    async def drain(self) -> None:
        """Wait until everything submitted so far is done."""
        while self._tails:
            await asyncio.gather(*list(self._tails.values()), return_exceptions=True)

    @staticmethod
    async def _after(
        previous: asyncio.Task[None] | None, work: Callable[[], Awaitable[None]]
    ) -> None:
        if previous is not None:
            await asyncio.gather(previous, return_exceptions=True)
        try:
            await work()
        except Exception:  # one failing update never stops the chat's later ones
            log.exception("update failed")

    def _forget(self, chat_id: str, done: asyncio.Task[None]) -> None:
        if self._tails.get(chat_id) is done:
            del self._tails[chat_id]
