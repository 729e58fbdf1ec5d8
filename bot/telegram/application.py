"""Building and running the python-telegram-bot Application around our engine."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot.app import App
from bot.telegram.broadcast import reminders_running, resume_handler
from bot.telegram.connections import AiohttpRequest
from bot.telegram.handlers import CHANNEL, TelegramChannel, on_error
from bot.telegram.intake import InboxApplication, InboxQueue, Intake, StoringRequest
from bot.telegram.rate_limit import MessageRateLimiter
from bot.telegram.update_processor import ChatOrderProcessor
from conversations.events import Reply

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"

# The command menu, in Vietnamese (setMyCommands).
COMMANDS = [
    BotCommand("start", "Bắt đầu / trang chính"),
    BotCommand("tieptuc", "Tiếp tục trả lời"),
    BotCommand("xemlai", "Xem lại và sửa kết quả tự chấm"),
    BotCommand("tiendo", "Tiến độ và điểm tạm tính"),
    BotCommand("baocao", "Nhận báo cáo (.docx)"),
    BotCommand("hoso", "Tải hồ sơ: báo cáo và tài liệu kiểm chứng (ZIP)"),
    BotCommand("huongdan", "Hướng dẫn sử dụng"),
    BotCommand("huy", "Huỷ thao tác đang làm"),
    BotCommand("lienket", "Lấy mã liên kết tài khoản Zalo"),
]


def build_application(app: App) -> Application:  # type: ignore[type-arg]
    settings = app.settings
    assert settings.telegram_bot_token, "TELEGRAM_BOT_TOKEN is not set"
    intake = Intake(app)
    builder = (
        ApplicationBuilder()
        .application_class(InboxApplication, {"intake": intake})
        # polling: the fetched updates are stored before the next getUpdates
        .update_queue(InboxQueue(intake))
        .get_updates_request(StoringRequest(intake))
        .request(AiohttpRequest())  # every other request: see bot.telegram.connections
        .token(settings.telegram_bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_file_url)
        # polling: other chats' updates at the same time, one chat's in order
        .concurrent_updates(ChatOrderProcessor())
    )
    if settings.telegram_rate_limit > 0:  # new messages a second; see bot.telegram.rate_limit
        limiter = MessageRateLimiter(overall_max_rate=settings.telegram_rate_limit, max_retries=3)
        builder = builder.rate_limiter(limiter)
    application = builder.build()
    channel = TelegramChannel(app, intake)
    application.add_handler(resume_handler(channel))  # a reminder's "▶ Tiếp tục"
    application.add_handler(CallbackQueryHandler(channel.on_callback))
    application.add_handler(MessageHandler(filters.COMMAND, channel.on_command))
    application.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL, channel.on_file))
    application.add_handler(MessageHandler(filters.TEXT, channel.on_text))
    application.add_error_handler(on_error)

    async def outbox(chat_id: str, replies: list[Reply]) -> None:  # notifications from elsewhere
        await channel.send(CallbackContext(application), int(chat_id), replies)

    app.outboxes[CHANNEL] = outbox
    return application


def webhook_secret(app: App) -> str:
    """The secret Telegram sends back in X-Telegram-Bot-Api-Secret-Token."""
    return app.webhook_secret


async def register_webhook(application: Application, app: App) -> None:  # type: ignore[type-arg]
    """Tell Telegram where to send the updates (the web app must listen by now)."""
    base = (app.settings.public_base_url or "").rstrip("/")
    await application.bot.set_webhook(
        f"{base}{WEBHOOK_PATH}",
        secret_token=webhook_secret(app),
        allowed_updates=Update.ALL_TYPES,
    )


@asynccontextmanager
async def telegram_running(
    app: App,
    *,
    webhook: bool = False,
    poll_interval: float = 0.0,
    poll_timeout: int = 10,
    reminders: bool = False,
    reminder_clock: Callable[[], datetime] | None = None,
    register: bool = True,
) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The bot started: polling, or (``webhook``) updates arriving through ``bot.web``;
    with ``reminders`` the reminder loop too (``reminder_clock``: its clock, for tests).
    ``register=False``: the caller registers the webhook (``register_webhook``) once its web
    server listens."""
    application = build_application(app)
    async with application, AsyncExitStack() as extra:
        await application.bot.set_my_commands(COMMANDS)
        await application.start()
        app.journal.start()
        assert isinstance(application, InboxApplication)
        await application.intake.recover(application)  # what a crash left unhandled
        if webhook:
            if register:
                await register_webhook(application, app)
        else:
            assert application.updater is not None
            await application.bot.delete_webhook()
            await application.updater.start_polling(
                poll_interval=poll_interval,
                timeout=poll_timeout,
                allowed_updates=Update.ALL_TYPES,
            )
        if reminders:
            scheduler = await extra.enter_async_context(reminders_running(app, reminder_clock))
            application.bot_data["reminders"] = scheduler  # its passes can be waited for
        try:
            yield application
        finally:
            await extra.aclose()
            if application.updater is not None and application.updater.running:
                await application.updater.stop()
            await application.stop()
            app.outboxes.pop(CHANNEL, None)
