"""Sending reminders politely on Telegram, and the reminder's "▶ Tiếp tục" button.

``Pacer`` keeps within Telegram's limits: at most ``rate`` messages a second overall (default
25, under the documented 30) and at least ``per_chat`` seconds between two messages to one chat,
counted from the end of the previous one. Its clock and sleep are injectable. A 429 (RetryAfter)
pauses every send for the time Telegram asks, then the message is tried again; a 403 (blocked)
is reported, not retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from telegram import Bot, Message, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import CallbackQueryHandler, ContextTypes
from telegram.warnings import PTBDeprecationWarning

from bot.app import App
from bot.reminders import Outcome, Scheduler
from bot.reminders import reminders_running as reminder_loop
from bot.telegram import callback, calls, render
from bot.telegram.handlers import CHANNEL, TelegramChannel
from bot.telegram.send import quietly
from conversations.events import Command
from conversations.reminders import RESUME_KEY, RESUME_TARGET, Due

log = logging.getLogger(__name__)
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[object]]


class Pacer:
    def __init__(
        self,
        rate: float = 25.0,
        per_chat: float = 1.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.gap, self.per_chat = 1.0 / rate, per_chat
        self.clock, self.sleep = clock, sleep
        self._lock = asyncio.Lock()
        self._last = float("-inf")  # when the last message (any chat) started
        self._paused_until = float("-inf")
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._chat_done: dict[int, float] = {}  # when the last message to the chat was answered

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Wait until a message to ``chat_id`` may go, and hold the chat while it is sent."""
        lock = self._chat_locks.setdefault(chat_id, asyncio.Lock())
        async with lock:
            await self._until(self._chat_done.get(chat_id, float("-inf")) + self.per_chat)
            async with self._lock:
                await self._until(self._last + self.gap)
                self._last = self.clock()
            try:
                yield
            finally:
                self._chat_done[chat_id] = self.clock()

    def pause(self, seconds: float) -> None:
        """Telegram said "retry after": nothing goes out for ``seconds``."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    async def _until(self, moment: float) -> None:
        while (left := max(moment, self._paused_until) - self.clock()) > 0:
            await self.sleep(left)


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # an int unless PTB_TIMEDELTA is set (PTB 22.2+)
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramDelivery:
    """``Scheduler``'s deliver for Telegram: one reminder as one message (with its button)."""

    def __init__(self, bot: Bot, pacer: Pacer | None = None, attempts: int = 5) -> None:
        self.bot, self.pacer, self.attempts = bot, pacer or Pacer(), attempts

    async def __call__(self, due: Due) -> Outcome:
        reply = due.reply
        assert reply.recipient is not None and reply.recipient.channel == CHANNEL
        chat_id = int(reply.recipient.chat_id)
        parts = render.chunks(reply.text)
        markup = render.keyboard(reply)
        for attempt in range(self.attempts):
            try:
                while parts:
                    async with self.pacer.turn(chat_id):
                        last = len(parts) == 1
                        await calls.send_text(self.bot, chat_id, parts[0], markup if last else None)
                    parts.pop(0)
                return Outcome.SENT
            except RetryAfter as exc:
                self.pacer.pause(retry_seconds(exc))
            except Forbidden:
                return Outcome.BLOCKED
            except (BadRequest, TimedOut) as exc:  # refused, or perhaps delivered: never twice
                log.warning("reminder %s to chat %s not sent: %s", due.key, chat_id, exc)
                return Outcome.FAILED
            except NetworkError as exc:
                log.warning("reminder %s: %s; retrying", due.key, exc)
                await self.pacer.sleep(0.5 * 2**attempt)
            except TelegramError as exc:
                log.warning("reminder %s to chat %s not sent: %s", due.key, chat_id, exc)
                return Outcome.FAILED
        return Outcome.RETRY


def resume_handler(channel: TelegramChannel) -> CallbackQueryHandler:  # type: ignore[type-arg]
    """The reminder's "▶ Tiếp tục" works whatever the officer's current question is: it is
    /tieptuc (an ordinary stale-button check would refuse it once the officer moved on)."""

    async def on_resume(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await quietly(lambda: query.answer())
        if isinstance(query.message, Message):
            message = query.message
            await quietly(lambda: message.edit_reply_markup(reply_markup=None))
        await channel.process(update, context, Command("tieptuc"))

    return CallbackQueryHandler(on_resume, pattern=is_resume)


def is_resume(data: object) -> bool:
    """Callback data of a reminder's "▶ Tiếp tục" (decoded by the one callback grammar)."""
    choice = callback.decode(data) if isinstance(data, str) else None
    return choice is not None and (choice.target, choice.key) == (RESUME_TARGET, RESUME_KEY)


def make_bot(app: App) -> Bot:
    settings = app.settings
    assert settings.telegram_bot_token, "TELEGRAM_BOT_TOKEN is not set"
    return Bot(
        settings.telegram_bot_token,
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_file_url,
    )


@asynccontextmanager
async def reminders_running(
    app: App, now: Callable[[], datetime] | None = None
) -> AsyncIterator[Scheduler]:
    """The reminder loop for Telegram alone, on a Bot of its own."""
    async with make_bot(app) as bot:
        delivery = TelegramDelivery(bot, Pacer(app.settings.reminder_rate))
        async with reminder_loop(app, {CHANNEL: delivery}, now) as scheduler:
            yield scheduler
