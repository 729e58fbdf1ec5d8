"""A bare python-telegram-bot Application: the Bot API calls of a questionnaire step and
nothing else (no database, no rubric, no rate limiter, PTB's defaults), as the yardstick.

A button press: answerCallbackQuery, the pressed message edited (chosen answer appended,
buttons removed), the next question sent with an inline keyboard. A text message: one
sendMessage, the next question's keyboard after a criterion's strengths, else a one-line
confirmation (the results of the item just scored, the shortcomings after the strengths: the
real bot's flow since issue 20). The questions walk a synthetic questionnaire (28 items'
scores, the strengths after every criterion) with callback data in the real bot's format, so
the same simulated officers drive both.

Environment as ``danvan run``: TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL,
TELEGRAM_API_FILE_URL; webhook when PUBLIC_BASE_URL is set (WEB_PORT, WEBHOOK_SECRET).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
import re
import secrets
import signal

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CRITERIA = (
    ("I", 3),
    ("II", 4),
    ("III", 4),
    ("IV", 3),
    ("V", 4),
    ("VI", 3),
    ("VII", 4),
    ("VIII", 3),
)


def _steps() -> list[tuple[str, str]]:
    steps: list[tuple[str, str]] = []
    for criterion, items in CRITERIA:
        steps += [("score", f"{criterion}.{n}") for n in range(1, items + 1)]
        steps.append(("strengths", criterion))
    return steps


STEPS = _steps()
NAMED = re.compile(r"^\s*[IVX]+\.\d+\s*:")  # "I.5: …": the results of the item it names
FILLER = (
    "Căn cứ Đề cương, đồng chí chấm điểm mục này theo kết quả thực hiện trong năm; "
    "kết quả đạt được, ảnh hoặc tệp minh chứng gửi ngay sau khi chấm. "
) * 3
Context = ContextTypes.DEFAULT_TYPE
state: dict[int, int] = {}  # chat id -> index into STEPS


def question(index: int) -> tuple[str, InlineKeyboardMarkup]:
    def button(label: str, target: str, key: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(label, callback_data=f"1|1|{target}|{key}")

    kind, ref = STEPS[index]
    target = f"{kind}:{ref}"
    if kind == "score":
        rows = [[button(str(k), target, str(k)) for k in range(4)]]
    else:
        rows = [[button("✍️ Mặt còn hạn chế", target, "hc")]]
    rows.append(
        [
            button("◀", target, "b"),
            button("📖 Hướng dẫn", target, "h"),
            button("Bỏ qua ▶", target, "s"),
            button("☰ Menu", target, "m"),
        ]
    )
    head = f"Câu {index + 1}/{len(STEPS)} · Tiêu chí {ref.split('.')[0]} · {kind}"
    return f"{head}\n\n{FILLER}", InlineKeyboardMarkup(rows)


def advance(chat_id: int) -> tuple[str, InlineKeyboardMarkup]:
    index = state.get(chat_id, -1) + 1
    state[chat_id] = index % len(STEPS)
    return question(state[chat_id])


async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer()
    label = next(
        (b.text for row in query.message.reply_markup.inline_keyboard for b in row
         if b.callback_data == query.data),
        "?",
    ) if query.message.reply_markup else "?"  # fmt: skip
    await query.edit_message_text(f"{query.message.text}\n\n➡️ {label}", reply_markup=None)
    text, markup = advance(query.message.chat.id)
    await context.bot.send_message(query.message.chat.id, text, reply_markup=markup)


async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None
    typed = message.text or ""
    if typed.startswith("/start"):
        state[message.chat_id] = -1  # straight to the first question
    elif STEPS[state.get(message.chat_id, 0)][0] == "score" or NAMED.match(typed):
        await context.bot.send_message(message.chat_id, "✔️ Đã lưu «Kết quả đạt được».")
        return
    text, markup = advance(message.chat_id)  # the strengths: the next question
    await context.bot.send_message(message.chat_id, text, reply_markup=markup)


def build() -> Application:  # type: ignore[type-arg]
    application = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .base_file_url(os.environ["TELEGRAM_API_FILE_URL"])
        .build()
    )
    application.add_handler(CallbackQueryHandler(on_callback))
    application.add_handler(MessageHandler(filters.TEXT, on_text))
    return application


def web(application: Application, secret: str) -> Starlette:  # type: ignore[type-arg]
    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return PlainTextResponse("forbidden", status_code=403)
        await application.update_queue.put(Update.de_json(await request.json(), application.bot))
        return JSONResponse({"ok": True})

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Route(WEBHOOK_PATH, webhook, methods=["POST"]), Route("/healthz", health)]
    )


async def main() -> None:
    application = build()
    public = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
    async with application:
        await application.start()
        if public:
            secret = os.environ.get("WEBHOOK_SECRET") or secrets.token_urlsafe(32)
            await application.bot.set_webhook(f"{public}{WEBHOOK_PATH}", secret_token=secret)
            port = int(os.environ.get("WEB_PORT", "8080"))
            config = uvicorn.Config(
                web(application, secret), host="127.0.0.1", port=port, log_level="warning",
                lifespan="off",
            )  # fmt: skip
            await uvicorn.Server(config).serve()  # until SIGTERM / SIGINT
        else:
            assert application.updater is not None
            await application.bot.delete_webhook()
            await application.updater.start_polling(poll_interval=0, timeout=10)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
            await application.updater.stop()
        await application.stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main())
