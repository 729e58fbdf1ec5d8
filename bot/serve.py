"""``danvan run``: the channels whose tokens are set, the web app when PUBLIC_BASE_URL is set
(webhooks and signed links), the reminder loop over every running channel, and the daily
backup when BACKUP_DIR is set."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, contextmanager
from functools import partial

from bot.app import App
from bot.backups import backups_running
from bot.logs import AdminAlerts
from bot.reminders import Deliver, reminders_running
from conversations.events import Reply
from storage.appraisal import recipients
from storage.models import Role

log = logging.getLogger(__name__)


async def serve(app: App, stop: asyncio.Event | None = None) -> None:
    settings = app.settings
    webhook = bool(settings.public_base_url) and settings.use_webhooks
    stop = stop or _stop_on_signals()
    deliveries: dict[str, Deliver] = {}
    telegram = zalo = None
    registrations: list[Callable[[], Awaitable[None]]] = []  # once the web app listens
    async with AsyncExitStack() as stack:
        if settings.telegram_bot_token:
            from bot.telegram.application import register_webhook, telegram_running
            from bot.telegram.broadcast import Pacer, TelegramDelivery

            telegram = await stack.enter_async_context(
                telegram_running(app, webhook=webhook, register=False)
            )
            if webhook:
                registrations.append(partial(register_webhook, telegram, app))
            deliveries["telegram"] = TelegramDelivery(telegram.bot, Pacer(settings.reminder_rate))
            log.info("Telegram: %s", "webhook" if webhook else "polling")
        if settings.zalo_bot_token:
            from bot.zalo.running import register_webhook as register_zalo
            from bot.zalo.running import zalo_running

            zalo = await stack.enter_async_context(
                zalo_running(app, webhook=webhook, register=False)
            )
            if webhook:
                registrations.append(partial(register_zalo, zalo, app))
            deliveries["zalo"] = zalo.deliver_reminder
            log.info("Zalo: %s", "webhook" if webhook else "polling")
        if settings.reminders_enabled and deliveries:
            await stack.enter_async_context(reminders_running(app, deliveries))
        await stack.enter_async_context(backups_running(settings))
        stack.enter_context(alerting(app))
        settle()
        if settings.public_base_url:
            from bot.web.app import web_server

            server = web_server(app, telegram, zalo)
            web = asyncio.create_task(server.serve())
            listening = asyncio.create_task(server.listening.wait())
            await asyncio.wait([web, listening], return_when=asyncio.FIRST_COMPLETED)
            listening.cancel()
            if server.listening.is_set():  # the platforms send only to a port that listens
                for register in registrations:
                    await register()
            log.info(
                "web app on %s:%s for %s",
                settings.web_host,
                settings.web_port,
                settings.public_base_url,
            )
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait([web, stopped], return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            server.should_exit = True
            await web
        else:
            await stop.wait()


def settle() -> None:
    """What start-up made (modules, the database's mappings, the rubric, the templates, the
    channels) lives as long as the process: moved out of the garbage collector's way
    (``gc.freeze``), its full collections no longer walk it. Walking it stopped the event loop
    for ~190 ms about every 2,000 events on a 2-core machine (bench/RESULTS.md)."""
    gc.collect()
    gc.freeze()


@contextmanager
def alerting(app: App) -> Iterator[AdminAlerts]:
    """Errors logged while inside are told to the administrators by chat (bot/logs.py)."""

    async def alert(text: str) -> None:
        async with app.sessions() as s:
            chats = await recipients(s, None, Role.ADMIN)
        for channel, chat_id in chats:
            await app.deliver(channel, chat_id, [Reply(text)])

    handler = AdminAlerts(alert, asyncio.get_running_loop())
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
