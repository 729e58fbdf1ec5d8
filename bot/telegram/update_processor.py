"""Polling mode: updates of different chats are handled at the same time (at most ``limit`` at
once), the updates of one chat one after another in the order they arrived, so one officer's
slow ``/baocao`` or an appraiser's ``/tonghop`` holds up nobody else while two quick presses of
one officer are still applied in order. ``bot.channel.chat_order.ChatQueues`` does the queueing,
as it does for Zalo.

How this fits into python-telegram-bot: for a processor allowing more than one update at a
time, ``Application``'s update fetcher makes one task per update, in arrival order, and each
task calls ``BaseUpdateProcessor.process_update``, which takes the base class's semaphore and
then calls ``do_process_update``. That semaphore is made so large here that it never makes an
update wait; the bound is ``ChatQueues``'s instead, taken only once the chat's earlier updates
are done. So:

- order: taking a free semaphore does not suspend, so each task reaches ``do_process_update``
  and takes its place in its chat's queue in its first step, and asyncio starts tasks in the
  order they were made, i.e. in arrival order. (Were the semaphore the bound, order within a
  chat would rest on the order the semaphore wakes its waiters.)
- no chat holds up the others: an update waiting for its chat's earlier ones takes no place,
  so a chat with a hundred queued updates runs one at a time and uses one place of ``limit``;
  an update only waits for a place once it is its chat's turn, and a running one waits for
  nothing of another update (no deadlock).
- errors: ``Application.process_update`` hands a handler's exception to the error handlers
  itself (``on_error``), as it does with one update at a time; the chat's next update runs
  regardless. Anything that still escapes reaches PTB's own task, which reports it too.
- shutdown: the update's task lasts until the update is handled, so ``Application.stop``
  (waiting for the update queue and for its tasks) waits for every update already fetched,
  queued ones included; ``shutdown`` then finds nothing left (it drains all the same).

Webhook mode does not come through here: ``bot.web`` awaits ``Application.process_update``
for each POST, and Telegram sends a chat's next update only once the previous one is answered.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.channel.chat_order import ChatQueues

LIMIT = 64


def chat_key(update: object) -> Hashable:
    """The queue an update waits in: its chat, else its user (a private chat's id is the
    user's), else one queue shared by the rare updates with neither (e.g. a poll's state)."""
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class ChatOrderProcessor(BaseUpdateProcessor):
    """``ApplicationBuilder().concurrent_updates(ChatOrderProcessor())``."""

    def __init__(self, limit: int = LIMIT) -> None:
        # The base class's semaphore never makes an update wait (see the module's docstring),
        # so its max_concurrent_updates is unbounded; ``limit`` is the bound.
        super().__init__(max_concurrent_updates=sys.maxsize)
        self._queues = ChatQueues(limit)

    @property
    def limit(self) -> int:
        """At most this many updates are handled at once."""
        return self._queues.limit or sys.maxsize

    @property
    def running(self) -> int:
        """Updates being handled now (not those waiting for their chat's turn)."""
        return self._queues.running

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        try:
            await self._queues.start(chat_key(update), lambda: coroutine)
        finally:
            if inspect.iscoroutine(coroutine) and (
                inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED
            ):
                coroutine.close()  # cancelled before its turn: it never ran

    async def initialize(self) -> None:
        """Nothing to prepare."""

    async def shutdown(self) -> None:
        await self._queues.drain()
