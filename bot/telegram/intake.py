"""Telegram updates through the inbox (``storage.inbox``).

- Polling: the fetched updates of known people are stored, all in one transaction, before
  python-telegram-bot asks for the next ones (that request tells Telegram the fetched ones
  arrived): ``InboxQueue.put`` notes each, ``StoringRequest`` (the getUpdates request) stores
  them before it is sent. An update may be handled meanwhile; its claim and its storing are
  one row either way (``storage.inbox``: whichever comes second changes nothing of the other).
- Webhook: the engine stores the update in the transaction that applies it, before the 200.
- Either way, once python-telegram-bot has handled an update (``InboxApplication``), the
  journal records it answered. After a restart, ``recover`` handles what was stored and never
  handled, and shows the current question for what was handled and maybe never answered.

An update is keyed by its id and a digest of its content (``update_key``): Telegram picks ids
at random again after a week without updates, so an id alone could be taken for an old one.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.ext import Application

from bot.channel.inbox import keep_all, recover
from bot.telegram.connections import AiohttpRequest
from conversations.events import Reply, Sender
from storage import inbox

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)
CHANNEL = "telegram"


def encoded(update: Update) -> tuple[str, str]:
    """The update's key and its body as stored (one serialisation serves both)."""
    body = json.dumps(update.to_dict(), sort_keys=True, ensure_ascii=False)
    return f"{update.update_id}:{hashlib.sha256(body.encode()).hexdigest()[:16]}", body


def update_key(update: Update) -> str:
    return encoded(update)[0]


def sender_of(update: Update) -> Sender | None:
    """Who sent the update, in which chat (None: an update of no person, e.g. a poll's)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None:
        return None
    return Sender(CHANNEL, str(user.id), str(chat.id) if chat else None, user.full_name)


class Intake:
    def __init__(self, app: App) -> None:
        self.app = app
        self._keys: dict[int, str] = {}  # update id -> key, while the update is handled
        self._fetched: list[tuple[str, Sender, str]] = []  # to store: key, sender, body

    def key(self, update: Update) -> str:
        found = self._keys.get(update.update_id)
        if found is None:
            found = self._keys[update.update_id] = update_key(update)
        return found

    def fetched(self, update: Update) -> None:
        """Polling: keep the update (of a known person) until it is handled, stored with the
        others of its getUpdates by ``store_fetched``. An update handed over again after a
        restart (``recover``) is stored already."""
        sender = sender_of(update)
        if sender is not None and update.update_id not in self._keys:
            key, body = encoded(update)
            self._keys[update.update_id] = key
            self._fetched.append((key, sender, body))

    async def store_fetched(self) -> None:
        """Store what was fetched since the last call (before Telegram is told it arrived)."""
        fetched, self._fetched = self._fetched, []
        await keep_all(self.app, CHANNEL, fetched)

    def done(self, update: object) -> None:
        if isinstance(update, Update):
            key = self._keys.pop(update.update_id, None) or update_key(update)
            self.app.journal.answered(CHANNEL, key)

    async def recover(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """After a restart: what a crash interrupted (``bot.channel.inbox.recover``)."""

        async def show(sender: Sender, replies: list[Reply]) -> None:
            assert sender.chat_id is not None
            await self.app.deliver(CHANNEL, sender.chat_id, replies)

        async def handle(row: inbox.Stored) -> None:
            update = Update.de_json(json.loads(row.body or "null"), application.bot)
            if update is not None:
                self._keys[update.update_id] = row.key
                await application.update_queue.put(update)  # stored already: put adds nothing

        await recover(self.app, CHANNEL, show, handle)


class InboxQueue(asyncio.Queue):  # type: ignore[type-arg]
    """The update queue of python-telegram-bot, noting each update as it is put (polling)."""

    def __init__(self, intake: Intake) -> None:
        super().__init__()
        self.intake = intake

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            self.intake.fetched(item)
        await super().put(item)


class StoringRequest(AiohttpRequest):
    """The request getUpdates goes through (python-telegram-bot's own for it, one connection):
    the updates fetched before are stored before it is sent, since its offset tells Telegram
    they arrived. Also the last getUpdates of ``Updater.stop``, which only confirms them.
    Storing waits its turn behind the handlers' transactions (SQLite's one writer), and so does
    the next poll: a busy bot fetches fewer, larger batches. Letting it go ahead of them cost
    27 % of the saturation throughput for no better paced latency (bench/RESULTS.md)."""

    def __init__(self, intake: Intake) -> None:
        super().__init__(connections=1)
        self.intake = intake

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        await self.intake.store_fetched()
        return await super().do_request(*args, **kwargs)


class InboxApplication(Application):  # type: ignore[type-arg]
    """``Application`` that tells the intake when an update is handled (polling and webhook
    alike go through ``process_update``)."""

    def __init__(self, intake: Intake, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.intake = intake

    async def process_update(self, update: object) -> None:
        try:
            await super().process_update(update)
        finally:
            self.intake.done(update)
