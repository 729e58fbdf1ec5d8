"""The Zalo channel started: long polling (one update per getUpdates) or a webhook served by
the web app; updates of one chat are handled in order, different chats at the same time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.app import App
from bot.channel.chat_order import ChatQueues
from bot.channel.inbox import keep, recover
from bot.reminders import Outcome
from bot.zalo.channel import CHANNEL, ZaloChannel, sender_of
from bot.zalo.client import ZaloClient, ZaloError, split_text
from bot.zalo.updates import parse
from conversations.events import Reply, Sender
from conversations.reminders import Due
from storage import inbox

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/zalo/webhook"


class ZaloRunner:
    """Receives updates (from polling or the webhook) and hands them to the channel in order."""

    def __init__(self, app: App, client: ZaloClient) -> None:
        self.app = app
        self.channel = ZaloChannel(app, client)
        self.client = client
        self.queues = ChatQueues()

    def accept(self, body: object) -> asyncio.Task[None] | None:
        """Queue one update body (bare or wrapped) behind its chat's earlier ones: the task
        that handles it; None when the body is not an update."""
        update = parse(body)
        if update is None:
            return None
        if update.is_bot:  # never answer another bot
            return self.queues.submit(update.chat_id, _nothing)
        return self.queues.submit(update.chat_id, lambda: self.channel.handle(update))

    async def poll(self, timeout: int) -> None:
        """getUpdates until cancelled; the platform answers 408 when nothing came."""
        pause = 1.0
        while True:
            try:
                bodies = await self.client.get_updates(timeout=timeout)
                pause = 1.0
            except (ZaloError, httpx.HTTPError) as exc:
                log.warning("Zalo getUpdates failed (%s); retrying in %.0f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 60.0)
                continue
            for body in bodies:
                await self.store(body)  # the platform will not deliver it again
                if self.accept(body) is None:
                    log.warning("Zalo sent something that is not an update; ignored")

    async def store(self, body: object) -> None:
        """Keep a polled update (of a known person) until it is handled."""
        update = parse(body)
        if update is not None and not update.is_bot:
            text = json.dumps(body, ensure_ascii=False)
            await keep(self.app, CHANNEL, update.key, sender_of(update), text)

    async def recover(self) -> None:
        """After a restart: what a crash interrupted (``bot.channel.inbox.recover``)."""

        async def show(sender: Sender, replies: list[Reply]) -> None:
            chat = sender.chat_id or sender.user_id
            self.queues.submit(chat, lambda: self.channel.show(sender, replies))

        async def handle(row: inbox.Stored) -> None:
            self.accept(json.loads(row.body or "null"))

        await recover(self.app, CHANNEL, show, handle)

    async def deliver_reminder(self, due: Due) -> Outcome:
        """``Scheduler``'s deliver for Zalo: the reminder's text only (no buttons here; the
        text says to type /tieptuc)."""
        assert due.reply.recipient is not None
        chat_id = due.reply.recipient.chat_id
        try:
            for part in split_text(due.reply.text):
                await self.client.send_message(chat_id, part)
        except httpx.TransportError:
            return Outcome.RETRY
        except ZaloError as exc:
            log.warning("reminder %s to Zalo chat %s not sent: %s", due.key, chat_id, exc)
            return Outcome.RETRY if exc.error_code == 0 else Outcome.FAILED
        return Outcome.SENT


async def register_webhook(runner: ZaloRunner, app: App) -> None:
    """Tell Zalo where to send the updates (the web app must listen by now)."""
    base = (app.settings.public_base_url or "").rstrip("/")
    await runner.client.set_webhook(f"{base}{WEBHOOK_PATH}", app.webhook_secret)


async def _nothing() -> None:
    return None


@asynccontextmanager
async def zalo_running(
    app: App, *, webhook: bool = False, poll_timeout: int = 30, register: bool = True
) -> AsyncIterator[ZaloRunner]:
    """The Zalo bot: polling, or (``webhook``) updates through ``bot.web``; ``register=False``:
    the caller registers the webhook (``register_webhook``) once its web server listens."""
    settings = app.settings
    assert settings.zalo_bot_token, "ZALO_BOT_TOKEN is not set"
    async with ZaloClient(settings.zalo_bot_token, settings.zalo_api_base_url) as client:
        me = await client.get_me()
        log.info("Zalo bot %s", me.get("account_name") or me.get("id"))
        runner = ZaloRunner(app, client)
        app.outboxes[CHANNEL] = runner.channel.outbox
        app.journal.start()
        await runner.recover()  # what a crash left unhandled
        poller: asyncio.Task[None] | None = None
        if webhook:
            if register:
                await register_webhook(runner, app)
        else:
            with contextlib.suppress(ZaloError):  # none was set
                await client.delete_webhook()
            poller = asyncio.create_task(runner.poll(poll_timeout))
        try:
            yield runner
        finally:
            if poller is not None:
                poller.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await poller
            await runner.queues.drain()
            app.outboxes.pop(CHANNEL, None)
