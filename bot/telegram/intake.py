"""Telegram updates through the inbox (``storage.inbox``).

- Polling: each fetched update of a known person is stored before python-telegram-bot asks for
  the next ones (that request tells Telegram the fetched ones arrived): ``InboxQueue.put``.
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

from bot.channel.inbox import keep, recover
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

    def key(self, update: Update) -> str:
        found = self._keys.get(update.update_id)
        if found is None:
            found = self._keys[update.update_id] = update_key(update)
        return found

    async def store(self, update: Update) -> None:
        """Keep the update (of a known person) until it is handled."""
        sender = sender_of(update)
        if sender is not None:
            key, body = encoded(update)
            self._keys[update.update_id] = key
            await keep(self.app, CHANNEL, key, sender, body)

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
    """The update queue of python-telegram-bot, storing each update as it is put."""

    def __init__(self, intake: Intake) -> None:
        super().__init__()
        self.intake = intake

    async def put(self, item: object) -> None:
        if isinstance(item, Update):
            await self.intake.store(item)
        await super().put(item)


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
