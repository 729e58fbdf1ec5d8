"""The bot's own rate limit counts new messages only.

Telegram's published limits (Bots FAQ: no more than about one message a second in a single
chat, and for bulk notifications not more than 30 messages a second) are about messages sent.
PTB's ``AIORateLimiter`` throttles every request that names a chat (``chat_id``): besides
sendMessage also editMessageText (the pressed question shows the chosen answer),
editMessageReplyMarkup (the previous question's buttons go) and sendChatAction ("sending a
file…"), about 1.7 limited requests per answer, which capped the bot at ~17 answers a second
under ``TELEGRAM_RATE_LIMIT=30``.

``MessageRateLimiter`` applies AIORateLimiter's limits (``overall_max_rate`` a second, and its
per-group limit) only to the methods that send a new message (``MESSAGE_METHODS``, taken from
PTB's ``Bot``). Every other request goes straight out, yet still waits while Telegram has asked
the bot to pause and is retried on a 429 (RetryAfter) up to ``max_retries`` times, like the
limited ones.

``TELEGRAM_RATE_LIMIT``: new messages a second the bot allows itself (edits, button answers
and chat actions are not counted, but are retried on 429 like messages); 0 installs no limiter
at all (e.g. a local Bot API server), and then nothing retries a 429.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Bot
from telegram.ext import AIORateLimiter

JSONDict = dict[str, Any]

# sendChatAction shows a status, sendMessageDraft an ephemeral preview: neither is a message.
NOT_MESSAGES = frozenset({"sendChatAction", "sendMessageDraft"})
MESSAGE_METHODS = frozenset(
    name
    for name in dir(Bot)
    if name.isalnum()  # the camelCase API names (Bot has snake_case ones too)
    and name.startswith(("send", "copy", "forward"))
    and name not in NOT_MESSAGES
)


class MessageRateLimiter(AIORateLimiter):
    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        if endpoint not in MESSAGE_METHODS:
            # AIORateLimiter limits a request only when ``data`` names a chat; the request
            # itself is made from ``args``, which keep the chat.
            data = {key: value for key, value in data.items() if key != "chat_id"}
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
