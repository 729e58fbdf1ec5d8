"""The bot's own rate limit counts new messages only; every request is still retried on 429
(bot/telegram/rate_limit.py)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import RetryAfter
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.app import open_app
from bot.settings import Settings
from bot.telegram.application import build_application
from bot.telegram.rate_limit import MESSAGE_METHODS, MessageRateLimiter
from bot.telegram.update_processor import ChatOrderProcessor
from tests.fake_telegram import FakeTelegram
from tests.support import settle


def test_new_messages_are_counted_other_requests_are_not() -> None:
    sent = {"sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "sendPoll", "sendVideo"}
    assert sent | {"copyMessage", "copyMessages", "forwardMessage", "forwardMessages"} <= (
        MESSAGE_METHODS
    )
    for method in (
        "sendChatAction", "sendMessageDraft", "editMessageText", "editMessageReplyMarkup",
        "answerCallbackQuery", "deleteMessage", "getFile", "setMyCommands", "getUpdates",
    ):  # fmt: skip
        assert method not in MESSAGE_METHODS, method
    assert all(hasattr(Bot, method) for method in MESSAGE_METHODS)


class Throttled(HTTPXRequest):
    """PTB's HTTP request to the fake server, except that the next ``times`` calls of
    ``method`` are answered 429 "retry after ``seconds``" without reaching it."""

    def __init__(self, method: str, times: int, seconds: int) -> None:
        super().__init__(connection_pool_size=16)
        self.method, self.times, self.seconds = method, times, seconds
        self.refused: list[float] = []

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        if url.endswith(f"/{self.method}") and self.times > 0:
            self.times -= 1
            self.refused.append(time.monotonic())
            body = {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {self.seconds}",
                "parameters": {"retry_after": self.seconds},
            }
            return 429, json.dumps(body).encode()
        return await super().do_request(url, method, *args, **kwargs)


def ext_bot(fake: FakeTelegram, limiter: MessageRateLimiter, request: HTTPXRequest | None = None):  # type: ignore[no-untyped-def]
    return ExtBot(
        fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        rate_limiter=limiter,
        request=request,
    )


@pytest.mark.slow
async def test_edits_and_answers_are_not_held_back_by_the_message_limit(
    fake: FakeTelegram,
) -> None:
    user = fake.user(4001)
    async with ext_bot(fake, MessageRateLimiter(overall_max_rate=2, max_retries=3)) as bot:
        buttons = InlineKeyboardMarkup([[InlineKeyboardButton("2", callback_data="x")]])
        questions = [
            await bot.send_message(user.id, f"Câu {n}", reply_markup=buttons) for n in range(2)
        ]
        queries = [
            (await fake.press(user, questions[0].message_id, "x", strict=False))["callback_query"][
                "id"
            ]
            for _ in range(3)
        ]
        mark = fake.mark()
        sends = [asyncio.create_task(bot.send_message(user.id, f"Tin {n}")) for n in range(6)]
        await settle()  # the sends hold the limiter now
        others = [
            *(bot.answer_callback_query(q) for q in queries),
            *(bot.edit_message_text(f"Câu 0 ➡️ {n}", user.id, questions[0].message_id)
              for n in range(3)),
            bot.edit_message_reply_markup(user.id, questions[1].message_id),
            bot.send_chat_action(user.id, "upload_document"),
        ]  # fmt: skip
        await asyncio.gather(*others)
        await asyncio.gather(*sends)

    calls = fake.calls[mark:]
    arrived = sorted(c.at for c in calls if c.method == "sendMessage")
    quick = [c for c in calls if c.method != "sendMessage"]
    assert len(arrived) == 6 and len(quick) == 8 and all(c.ok for c in calls)
    assert arrived[-1] - arrived[0] >= 1.4  # 2 a second: the messages are limited ...
    # ... the rest went out meanwhile (held back, they would follow the last message)
    assert max(c.at for c in quick) < arrived[-2]


async def test_a_429_on_an_edit_is_retried(fake: FakeTelegram) -> None:
    user = fake.user(4002)
    request = Throttled("editMessageText", times=2, seconds=1)
    limiter = MessageRateLimiter(overall_max_rate=2, max_retries=3)
    async with ext_bot(fake, limiter, request) as bot:
        question = await bot.send_message(user.id, "Câu hỏi")
        await bot.edit_message_text("Câu hỏi ➡️ 2", user.id, question.message_id)
    (edited,) = fake.calls_to("editMessageText")  # after two refusals
    assert edited.ok and fake.chat(4002)[-1].text == "Câu hỏi ➡️ 2"
    assert len(request.refused) == 2 and edited.at - request.refused[0] >= 2.0  # waited 1 s twice


async def test_429s_beyond_max_retries_are_raised(fake: FakeTelegram) -> None:
    user = fake.user(4003)
    request = Throttled("editMessageReplyMarkup", times=5, seconds=1)
    async with ext_bot(fake, MessageRateLimiter(max_retries=1), request) as bot:
        question = await bot.send_message(user.id, "Câu hỏi")
        with pytest.raises(RetryAfter):
            await bot.edit_message_reply_markup(user.id, question.message_id)
    assert len(request.refused) == 2 and not fake.calls_to("editMessageReplyMarkup")


async def test_the_application_uses_both(settings: Settings) -> None:
    async with open_app(settings) as app:
        application = build_application(app)
        assert isinstance(application.bot.rate_limiter, MessageRateLimiter)
        assert isinstance(application.update_processor, ChatOrderProcessor)
        settings.telegram_rate_limit = 0
        assert build_application(app).bot.rate_limiter is None
