""" "Sending a file…" at the top of the chat while a document is made.

Telegram shows a chat action for about five seconds; a district's bundle takes half a minute,
so the action is sent again every ``REPEAT_S`` until the replies go out (the engine calls
``busy`` before the slow part; leaving the ``async with`` stops it).
"""

from __future__ import annotations

import asyncio
import contextlib

from telegram import Bot
from telegram.constants import ChatAction

from bot.telegram.send import quietly

REPEAT_S = 4.0  # under the ~5 s Telegram shows one action for


class Busy:
    def __init__(self, bot: Bot, chat_id: int) -> None:
        self.bot, self.chat_id = bot, chat_id
        self._task: asyncio.Task[None] | None = None

    async def __call__(self) -> None:
        """The engine's ``busy``: start showing the action (once; later calls change nothing)."""
        if self._task is None:
            self._task = asyncio.create_task(self._repeat())

    async def _repeat(self) -> None:
        action = ChatAction.UPLOAD_DOCUMENT
        while True:
            await quietly(lambda: self.bot.send_chat_action(self.chat_id, action))
            await asyncio.sleep(REPEAT_S)

    async def __aenter__(self) -> Busy:
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
